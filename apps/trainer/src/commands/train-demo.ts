import { readFile } from 'node:fs/promises';
import { VlmError } from '@vlm/core';
import { cliUsageError, defineCommand } from '@vlm/core/node';
import { DemoInterruptedError, type ShootoutConnector, type ShootoutPreset, fullDemoPreset, fullShootoutPreset, shootoutConnectors, tinyDemoPreset, tinyShootoutPreset } from '@vlm/shapes-demo';
import { runConnectorShootout, runTrainingDemo } from '@vlm/shapes-demo/node';
import { parse as parseYaml } from 'yaml';
import { processIo, type Command, type CommandIo } from './io';
import { catchInterrupts } from './interrupt-signals';
import { progressWriter } from './progress-writer';
import { shellWord } from './shell-word';
import { type DemoConfig, parseDemoConfig } from './shootout-config';

/** Default folders: a quick run never lands on (and never replaces) the full demo's checkpoint. */
export const DEMO_FOLDER = 'vlm-demo';
export const QUICK_DEMO_FOLDER = 'vlm-demo-quick';
/** Default folders of the connector shoot-out. */
export const SHOOTOUT_FOLDER = 'vlm-connectors';
export const QUICK_SHOOTOUT_FOLDER = 'vlm-connectors-quick';

const USAGE = `usage: vlm-train demo [--out dir] [--seed n] [--quick] [--lora] [--force]
       vlm-train demo --compare-connectors [--connectors list] [--pretrained-from dir] [--out dir] [--seed n] [--quick] [--force]
       vlm-train demo --config <file.yaml|file.json>
  The main job end to end on CPU: synthetic shapes, two-stage training, held-out accuracy next to a
  text-only baseline and chance, an HTML report and a checkpoint to chat with.
  --out <dir>    output folder (default vlm-demo, with --quick vlm-demo-quick; with --compare-connectors
                 vlm-connectors and vlm-connectors-quick)
  --seed <n>     seed of everything (default 0)
  --quick        a seconds-long run of the same pipeline (not expected to learn; its report says so)
  --force        replace a demo run already in the output folder (otherwise it is an error)
  --lora         also run stage 2 with LoRA adapters (LM frozen) from the same stage-1 checkpoint and
                 compare it with full fine-tuning
  --compare-connectors
                 the connector shoot-out (about 30 minutes on 2 CPU cores): the vision tower and LM are
                 pretrained once on the demo's world, then one model per connector trains from copies of
                 them with its upstream recipe and the same number of stage-2 steps (600): linear and
                 mlp2x_gelu (LLaVA: align, then connector + LM), qformer (BLIP-2: ITC + ITM + ITG, then
                 Q-Former + projection, LM frozen), perceiver (a resampler in the LLaVA splice), flamingo
                 (Perceiver + gated cross-attention, LM frozen). Prints and writes one table (report.html,
                 loss-curves.png, results.json): trainable parameters, image tokens the LM sees, seconds
                 per step, total time, held-out exact match per question type, text-only LM and chance.
                 Ctrl-C finishes the step under way, saves its checkpoint, writes the report of the
                 connectors finished so far and exits 130.
  --connectors <list>
                 with --compare-connectors: which ones, comma-separated (default all:
                 ${shootoutConnectors.join(',')})
  --pretrained-from <dir>
                 with --compare-connectors: reuse the vision tower and LM an earlier shoot-out (same seed,
                 same --quick or not) pretrained in <dir> instead of pretraining them again, e.g. to train
                 connectors in separate processes: vlm-train demo --compare-connectors --connectors
                 flamingo --pretrained-from vlm-connectors --out vlm-connectors-flamingo
  --config <file>
                 the same settings from a YAML or JSON file (flags given as well win), e.g.
                   compareConnectors: { connectors: [linear, flamingo], stage2Steps: 600, testScenes: 120 }
                   out: my-shootout
                   seed: 0
  Ctrl-C (or SIGTERM) finishes the step under way, saves the training stage's checkpoint, says what the
  folder holds and how to continue, and exits 130 (143); a second signal quits at once without saving.`;

async function readDemoConfig(file: string): Promise<DemoConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new VlmError('config_missing', `cannot read ${file}`, { location: { file }, hint: 'check the path given to --config' });
  }
  let json: unknown;
  try {
    json = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new VlmError('config_invalid', `${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`, { location: { file }, hint: 'fix the syntax' });
  }
  return parseDemoConfig(json, file);
}

function connectorList(value: string): ShootoutConnector[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw cliUsageError('--connectors needs at least one connector.', { field: '--connectors', hint: `use some of ${shootoutConnectors.join(',')}` });
  for (const n of names) {
    if (!shootoutConnectors.includes(n as ShootoutConnector)) throw cliUsageError(`--connectors: ${JSON.stringify(n)} is not a connector the shoot-out knows.`, { field: '--connectors', hint: `use some of ${shootoutConnectors.join(',')}` });
  }
  return names as ShootoutConnector[];
}

async function shootout(io: CommandIo, o: { out?: string; seed: number; quick: boolean; force: boolean; connectors?: ShootoutConnector[]; stage2Steps?: number; testScenes?: number; pretrainedFrom?: string }): Promise<number> {
  const base = o.quick ? tinyShootoutPreset : fullShootoutPreset;
  const preset: ShootoutPreset = {
    ...base,
    demo: { ...base.demo, testScenes: o.testScenes ?? base.demo.testScenes },
    stage2: { ...base.stage2, steps: o.stage2Steps ?? base.stage2.steps },
  };
  const progress = progressWriter(io, 50);
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    progress.done();
    if (stoppedBy) {
      io.err(`${signal} again: quitting without saving`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    stoppedBy = signal;
    io.err(`${signal}: finishing the current step, then saving a checkpoint and the report of the connectors done so far (send it again to quit without saving)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let result;
  try {
    result = await runConnectorShootout({
      outDir: o.out ?? (o.quick ? QUICK_SHOOTOUT_FOLDER : SHOOTOUT_FOLDER),
      force: o.force,
      seed: o.seed,
      preset,
      connectors: o.connectors,
      pretrainedFrom: o.pretrainedFrom,
      signal: controller.signal,
      log: (line) => {
        progress.done();
        io.out(line);
      },
      progress: progress.update,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  progress.done();
  io.out('');
  for (const line of result.terminal) io.out(line);
  io.out('');
  io.out(`report: ${result.reportHtml}`);
  io.out(`loss curves: ${result.lossCurvePng}`);
  io.out(`results: ${result.resultsJson}`);
  if (result.interrupted) {
    const s = result.interrupted;
    io.out(`interrupted: ${s.connector ?? 'shared pretraining'} stage ${s.stage} stopped at step ${s.step}/${s.totalSteps}${s.checkpoint ? `; checkpoint saved to ${s.checkpoint}` : ''}`);
    return stoppedBy === 'SIGTERM' ? 143 : 130;
  }
  const first = result.rows[0];
  if (first) io.out(`checkpoints: ${result.rows.map((r) => r.checkpoint).join(', ')} (try: npx vlm-train chat --checkpoint ${first.checkpoint} --image <png> --prompt "What color is the circle? Answer briefly.")`);
  return 0;
}

/**
 * `vlm-train demo`: the built-in demo that really learns (synthetic shapes, two-stage training,
 * held-out accuracy next to a text-only baseline and chance); writes an HTML report. With
 * `--compare-connectors`, the connector shoot-out on the same world.
 */
export const trainDemoCommand: Command = defineCommand(
  {
    summary: 'the main job: two-stage training on synthetic shapes, with a report (--compare-connectors: the connector shoot-out)',
    usage: USAGE,
    options: {
      out: { type: 'string' }, seed: { type: 'string' }, quick: { type: 'boolean' }, lora: { type: 'boolean' }, force: { type: 'boolean' },
      'compare-connectors': { type: 'boolean' }, connectors: { type: 'string' }, config: { type: 'string' }, 'pretrained-from': { type: 'string' },
    },
    io: processIo,
  },
  async ({ values }, io) => {
    const file = values.config ? await readDemoConfig(values.config) : {};
    let seed = file.seed ?? 0;
    if (values.seed !== undefined) {
      seed = Number(values.seed);
      if (!/^\d+$/.test(values.seed) || !Number.isSafeInteger(seed)) {
        throw new VlmError('option_invalid', `--seed ${JSON.stringify(values.seed)} is not a whole number.`, { location: { field: '--seed' }, hint: 'Use a non-negative integer, e.g. --seed 1.' });
      }
    }
    const quick = values.quick ?? file.quick ?? false;
    const force = values.force ?? file.force ?? false;
    const out = values.out ?? file.out;
    const settings = typeof file.compareConnectors === 'object' ? file.compareConnectors : {};
    const compare = values['compare-connectors'] ?? (file.compareConnectors !== undefined && file.compareConnectors !== false);
    for (const flag of ['connectors', 'pretrained-from'] as const) {
      if (values[flag] !== undefined && !compare) throw cliUsageError(`--${flag} needs --compare-connectors.`, { field: `--${flag}` });
    }
    if (compare && values.lora) throw cliUsageError('--lora and --compare-connectors are separate runs; give one of them.', { field: '--lora' });
    if (compare) {
      const connectors = values.connectors !== undefined ? connectorList(values.connectors) : settings.connectors;
      return shootout(io, { out, seed, quick, force, connectors, stage2Steps: settings.stage2Steps, testScenes: settings.testScenes, pretrainedFrom: values['pretrained-from'] });
    }
    const progress = progressWriter(io, 20);
    const interrupts = catchInterrupts(io, () => progress.done());
    let result;
    try {
      result = await runTrainingDemo({
        outDir: out ?? (quick ? QUICK_DEMO_FOLDER : DEMO_FOLDER),
        force,
        seed,
        preset: quick ? tinyDemoPreset : fullDemoPreset,
        compareLora: values.lora,
        signal: interrupts.signal,
        log: (line) => {
          progress.done();
          io.out(line);
        },
        progress: progress.update,
      });
    } catch (error) {
      if (!(error instanceof DemoInterruptedError)) throw error;
      progress.done();
      const again = ['npx vlm-train demo', ...(quick ? ['--quick'] : []), ...(out ? ['--out', shellWord(out)] : []), ...(seed !== 0 ? ['--seed', String(seed)] : []), ...(values.lora ? ['--lora'] : []), '--force'].join(' ');
      reportInterruption(io, error, again);
      return interrupts.exitCode;
    } finally {
      interrupts.dispose();
    }
    progress.done();
    io.out('');
    for (const line of result.terminal) io.out(line);
    io.out('');
    io.out(`report: ${result.reportHtml}`);
    io.out(`checkpoint: ${result.checkpoint} (try: npx vlm-train chat --checkpoint ${result.checkpoint} --image <png> --prompt "What color is the circle? Answer briefly.")`);
    io.out(`stage-1 connector (mm_projector layout): ${result.connectorFile}`);
    return 0;
  },
);

/**
 * What an interrupted demo saved and how to go on: the demo has no resume (its phases before the
 * stage checkpoints, the world and the vision pretraining, keep no state to continue from), so it says
 * so, lists what its folder holds and gives the command that starts it again.
 */
function reportInterruption(io: { out: (line: string) => void }, error: DemoInterruptedError, again: string): void {
  const stop = error.stop;
  io.out(`interrupted: ${stop.phase}${stop.step === undefined ? '' : ` stopped at step ${stop.step}/${stop.totalSteps}`}${stop.checkpoint ? `; checkpoint saved to ${stop.checkpoint}` : '; this phase keeps no checkpoint'}`);
  io.out(error.saved.length > 0 ? `saved so far: ${error.saved.join(', ')}` : 'nothing was saved yet');
  const instruct = error.saved.find((p) => /[\\/]2-instruct$/.test(p));
  if (instruct) io.out(`chat with the stage-2 checkpoint as it is: npx vlm-train chat --checkpoint ${shellWord(instruct)} --image <png> --prompt "What color is the circle? Answer briefly."`);
  io.out(`the demo does not resume; no report was written. To run it again from the start (replacing this partial run): ${again}`);
}
