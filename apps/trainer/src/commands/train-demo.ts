import { VlmError } from '@vlm/core';
import { defineCommand } from '@vlm/core/node';
import { DemoInterruptedError, fullDemoPreset, tinyDemoPreset } from '@vlm/shapes-demo';
import { runTrainingDemo } from '@vlm/shapes-demo/node';
import { processIo, type Command } from './io';
import { catchInterrupts } from './interrupt-signals';
import { progressWriter } from './progress-writer';
import { shellWord } from './shell-word';

/** Default folders: a quick run never lands on (and never replaces) the full demo's checkpoint. */
export const DEMO_FOLDER = 'vlm-demo';
export const QUICK_DEMO_FOLDER = 'vlm-demo-quick';

const USAGE = `usage: vlm-train demo [--out dir] [--seed n] [--quick] [--lora] [--force]
  The main job end to end on CPU: synthetic shapes, two-stage training, held-out accuracy next to a
  text-only baseline and chance, an HTML report and a checkpoint to chat with.
  --out <dir>    output folder (default vlm-demo, with --quick vlm-demo-quick)
  --seed <n>     seed of everything (default 0)
  --quick        a seconds-long run of the same pipeline (not expected to learn; its report says so)
  --force        replace a demo run already in the output folder (otherwise it is an error)
  --lora         also run stage 2 with LoRA adapters (LM frozen) from the same stage-1 checkpoint and
                 compare it with full fine-tuning
  Ctrl-C (or SIGTERM) finishes the step under way, saves the training stage's checkpoint, says what the
  folder holds and how to continue, and exits 130 (143); a second signal quits at once without saving.`;

/**
 * `vlm-train demo`: the built-in demo that really learns (synthetic shapes, two-stage training,
 * held-out accuracy next to a text-only baseline and chance); writes an HTML report.
 */
export const trainDemoCommand: Command = defineCommand(
  {
    summary: 'the main job: two-stage training on synthetic shapes, with a report',
    usage: USAGE,
    options: { out: { type: 'string' }, seed: { type: 'string', default: '0' }, quick: { type: 'boolean' }, lora: { type: 'boolean' }, force: { type: 'boolean' } },
    io: processIo,
  },
  async ({ values }, io) => {
    const seed = Number(values.seed);
    if (!/^\d+$/.test(values.seed) || !Number.isSafeInteger(seed)) {
      throw new VlmError('option_invalid', `--seed ${JSON.stringify(values.seed)} is not a whole number.`, { location: { field: '--seed' }, hint: 'Use a non-negative integer, e.g. --seed 1.' });
    }
    const progress = progressWriter(io, 20);
    const outDir = values.out ?? (values.quick ? QUICK_DEMO_FOLDER : DEMO_FOLDER);
    const interrupts = catchInterrupts(io, () => progress.done());
    let result;
    try {
      result = await runTrainingDemo({
        outDir,
        force: values.force,
        seed,
        preset: values.quick ? tinyDemoPreset : fullDemoPreset,
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
      const again = ['npx vlm-train demo', ...(values.quick ? ['--quick'] : []), ...(values.out ? ['--out', shellWord(values.out)] : []), ...(values.seed !== '0' ? ['--seed', values.seed] : []), ...(values.lora ? ['--lora'] : []), '--force'].join(' ');
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
