import { formatDuration } from '@vlm/train';
import { mountChatPanel } from '../chat/chat-panel';
import { WorkerClient, errorText } from '../chat/worker-client';
import { byId, h } from '../shared/dom';
import { mountNav } from '../shared/nav';
import { drawLossChart, type LossSeries } from './loss-chart';
import type { FromWorker } from './protocol';

mountNav('train.html');

const params = new URLSearchParams(location.search);
const presetSelect = byId<HTMLSelectElement>('preset');
const seedInput = byId<HTMLInputElement>('seed');
const backendSelect = byId<HTMLSelectElement>('backend');
const startButton = byId<HTMLButtonElement>('start');
const cancelButton = byId<HTMLButtonElement>('cancel');
const resumeButton = byId<HTMLButtonElement>('resume');
const backendLabel = byId('backend-label');
const phaseLine = byId('phase');
const progress = byId<HTMLProgressElement>('progress');
const progressLine = byId('progress-line');
const eta = byId('eta');
const chart = byId<HTMLCanvasElement>('loss-chart');
const errors = byId('errors');
const results = byId('results');
const accuracyBody = byId<HTMLTableElement>('accuracy').tBodies[0]!;
const log = byId('log');
const chatSection = byId('chat');

const presetParam = params.get('preset');
if (presetParam === 'bench') presetSelect.append(h('option', { value: 'bench' }, 'bench (benchmark workload)'));
if (presetParam === 'full' || presetParam === 'quick' || presetParam === 'bench') presetSelect.value = presetParam;
if (params.get('backend')) backendSelect.value = params.get('backend')!;

const series = new Map<string, number[]>();
// Seconds of every step per phase, for the benchmark (bench/browser-training.ts reads it).
const stepSeconds = new Map<string, number[]>();
let chartQueued = false;
const redrawChart = () => {
  if (chartQueued) return;
  chartQueued = true;
  requestAnimationFrame(() => {
    chartQueued = false;
    const shown: LossSeries[] = [...series].map(([name, losses]) => ({ name, losses }));
    drawLossChart(chart, shown);
  });
};
redrawChart();

// Elapsed time counts only while training runs (a pause stops the clock).
let runningSince = 0;
let elapsedBefore = 0;
const elapsed = () => elapsedBefore + (runningSince ? (performance.now() - runningSince) / 1000 : 0);
const setRunning = (running: boolean) => {
  if (running && !runningSince) runningSince = performance.now();
  if (!running && runningSince) {
    elapsedBefore = elapsed();
    runningSince = 0;
  }
  cancelButton.disabled = !running;
  document.body.dataset.training = running ? 'running' : 'stopped';
};

const pauseFlag = typeof SharedArrayBuffer !== 'undefined' && crossOriginIsolated ? new SharedArrayBuffer(4) : undefined;
const client = new WorkerClient(onEvent);

function onEvent(m: FromWorker): void {
  switch (m.type) {
    case 'backend':
      backendLabel.textContent = `TF.js backend: ${m.label}${m.skipped.length ? ` (skipped ${m.skipped.join('; ')})` : ''}`;
      backendLabel.dataset.backend = m.label.split(' ')[0];
      break;
    case 'log':
      log.textContent += `${m.line}\n`;
      break;
    case 'phase':
      phaseLine.textContent = `Phase ${m.index + 1}/${m.phases}: ${m.name}`;
      log.textContent += `${m.name}\n`;
      break;
    case 'step': {
      if (!Number.isNaN(m.loss)) {
        let s = series.get(m.phase);
        if (!s) series.set(m.phase, (s = []));
        s[m.step - 1] = m.loss;
        s.length = m.step;
        redrawChart();
        stepSeconds.set(m.phase, [...(stepSeconds.get(m.phase) ?? []).slice(0, m.step - 1), m.seconds]);
        progressLine.textContent = `${m.phase} ${m.step}/${m.totalSteps} · loss ${m.loss.toFixed(4)} · ${(1 / Math.max(1e-6, m.seconds)).toFixed(1)} steps/s`;
      }
      progress.max = m.totalUnits;
      progress.value = m.doneUnits;
      const t = elapsed();
      eta.textContent = `${formatDuration(t)} elapsed · about ${formatDuration((t / Math.max(1, m.doneUnits)) * (m.totalUnits - m.doneUnits))} left`;
      break;
    }
    case 'paused':
      setRunning(false);
      resumeButton.disabled = false;
      phaseLine.textContent += ' (cancelled; resume continues from here)';
      document.body.dataset.training = 'paused';
      break;
    case 'result': {
      results.hidden = false;
      const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
      accuracyBody.replaceChildren(
        ...m.accuracy.map((a) => h('tr', { 'data-type': a.type }, h('td', {}, a.type), h('td', {}, String(a.n)), h('td', { class: 'model' }, pct(a.model)), h('td', {}, pct(a.textOnly)), h('td', {}, pct(a.chance)))),
      );
      const first = m.losses.map((s) => `${s.name} ${s.losses[0]?.toFixed(3)} → ${s.losses.at(-1)?.toFixed(3)}`).join(' · ');
      log.textContent += `done in ${m.seconds.toFixed(1)} s; loss: ${first}\n`;
      results.dataset.losses = JSON.stringify(m.losses);
      results.dataset.stepSeconds = JSON.stringify(Object.fromEntries(stepSeconds));
      break;
    }
    case 'ready':
      setRunning(false);
      phaseLine.textContent = 'Done. Ask the model about a scene below.';
      document.body.dataset.training = 'done';
      chatSection.hidden = false;
      mountChatPanel(byId('chat-panel'), { imageSize: m.imageSize, maxObjects: m.maxObjects, ask: (scene, q) => client.ask(scene, q) });
      break;
    case 'error':
      setRunning(false);
      document.body.dataset.training = 'error';
      errors.replaceChildren(h('pre', { class: 'error', role: 'alert', 'data-code': m.error.code ?? '' }, errorText(m.error)));
      break;
    default:
      break;
  }
}

startButton.addEventListener('click', () => {
  startButton.disabled = true;
  presetSelect.disabled = seedInput.disabled = backendSelect.disabled = true;
  setRunning(true);
  client.send({ type: 'start', preset: presetSelect.value as 'quick' | 'full' | 'bench', seed: Number(seedInput.value) || 0, backend: backendSelect.value as never, pauseFlag });
});
cancelButton.addEventListener('click', () => {
  cancelButton.disabled = true;
  if (pauseFlag) Atomics.store(new Int32Array(pauseFlag), 0, 1);
  client.send({ type: 'pause' });
});
resumeButton.addEventListener('click', () => {
  resumeButton.disabled = true;
  if (pauseFlag) Atomics.store(new Int32Array(pauseFlag), 0, 0);
  setRunning(true);
  client.send({ type: 'resume' });
});
if (params.get('autostart') === '1') startButton.click();
