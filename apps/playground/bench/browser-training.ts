// Training steps per second in headless Chromium on each TF.js backend it offers, next to Node on the
// same machine, on the same workload (`benchPreset`: the full demo's model and batch sizes).
//   pnpm --filter playground bench [-- --backends wasm,webgl,cpu]
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '@vlm/connectors';
import { DemoSession, benchPreset, type SessionEvent } from '../src/train/demo-session';
import { ENABLE_CHROMIUM, findChromium, launchChromium } from '../test/chromium';
import { buildSite, serveStatic } from '../test/serve-site';

const arg = process.argv.indexOf('--backends');
const backends = arg > 0 ? process.argv[arg + 1]!.split(',') : ['webgpu', 'webgl', 'wasm', 'cpu'];
const PHASES = ['vision (contrastive)', 'instruct'];
const SKIP = 2; // first steps compile kernels / shaders
const LIMIT_MS = 12 * 60_000; // per backend: software GL can take far longer

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : Number.NaN;
};
const rate = (seconds: number[] | undefined) => (seconds && seconds.length > SKIP ? 1 / median(seconds.slice(SKIP)) : Number.NaN);

interface Row {
  where: string;
  backend: string;
  rates: number[];
  note?: string;
}
const rows: Row[] = [];

// Node: the same session code, on the backend vlm-train uses here (wasm with the toolkit's kernels).
{
  const choice = await selectBackend({ force: 'wasm', log: () => {} });
  const seconds = new Map<string, number[]>();
  const session = new DemoSession(benchPreset, 0, (e: SessionEvent) => {
    if (e.type === 'step' && !Number.isNaN(e.loss)) seconds.set(e.phase, [...(seconds.get(e.phase) ?? []), e.seconds]);
  }, () => false);
  await session.run();
  rows.push({ where: `Node ${process.version}`, backend: `wasm (simd ${choice.simd}, ${choice.threads} thread(s), toolkit kernels)`, rates: PHASES.map((p) => rate(seconds.get(p))) });
}

const executable = findChromium();
if (!executable) console.error(`No Chromium: browser rows skipped (${ENABLE_CHROMIUM}).`);
else {
  const work = mkdtempSync(join(tmpdir(), 'vlm-bench-'));
  const site = await serveStatic(await buildSite(join(work, 'site')));
  const { browser, close } = await launchChromium(executable);
  const version = browser.browser()?.version() ?? 'Chromium';
  try {
    for (const backend of backends) {
      const page = await browser.newPage();
      await page.goto(`${site.url}train.html?preset=bench&backend=${backend}&autostart=1`);
      const finished = await page
        .waitForFunction(() => ['done', 'error'].includes(document.body.dataset.training ?? ''), null, { timeout: LIMIT_MS })
        .then(() => true, () => false);
      const label = (await page.locator('#backend-label').textContent()) ?? '';
      if (!finished) {
        rows.push({ where: `headless Chromium ${version}`, backend: label.replace('TF.js backend: ', '') || backend, rates: [], note: `not done in ${LIMIT_MS / 60_000} min (${(await page.locator('#progress-line').textContent()) ?? ''})` });
      } else if ((await page.locator('body').getAttribute('data-training')) === 'error') {
        rows.push({ where: `headless Chromium ${version}`, backend, rates: [], note: ((await page.locator('#errors').textContent()) ?? '').split('\n')[0] });
      } else {
        const seconds = JSON.parse((await page.locator('#results').getAttribute('data-step-seconds'))!) as Record<string, number[]>;
        rows.push({ where: `headless Chromium ${version}`, backend: label.replace('TF.js backend: ', ''), rates: PHASES.map((p) => rate(seconds[p])) });
      }
      await page.close();
    }
  } finally {
    await close();
    await site.close();
    rmSync(work, { recursive: true, force: true });
  }
}

console.log(`\nmachine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}; load: ${execSync('uptime').toString().trim()}`);
console.log(`workload: benchPreset (full demo sizes: vision ${benchPreset.vision.layers}x${benchPreset.vision.hiddenSize}, LM ${benchPreset.lm.layers}x${benchPreset.lm.hiddenSize}, ${benchPreset.imageSize} px; contrastive batch ${benchPreset.contrastive.batchSize}, stage-2 batch ${benchPreset.instruct.batchSize}); median of steps ${SKIP + 1}-12\n`);
console.log(`| where | backend | vision pretraining steps/s | stage-2 steps/s |`);
console.log(`|---|---|---:|---:|`);
for (const r of rows) console.log(`| ${r.where} | ${r.backend} | ${r.note ? r.note : r.rates.map((x) => (Number.isNaN(x) ? '-' : x.toFixed(2))).join(' | ')} |`);
