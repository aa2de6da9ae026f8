import { VlmError } from '@vlm/core';
import { defineCommand } from '@vlm/core/node';
import { fullDemoPreset, tinyDemoPreset } from '@vlm/shapes-demo';
import { runTrainingDemo } from '@vlm/shapes-demo/node';
import { processIo, type Command } from './io';
import { progressWriter } from './progress-writer';

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
                 compare it with full fine-tuning`;

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
    const result = await runTrainingDemo({
      outDir: values.out ?? (values.quick ? QUICK_DEMO_FOLDER : DEMO_FOLDER),
      force: values.force,
      seed,
      preset: values.quick ? tinyDemoPreset : fullDemoPreset,
      compareLora: values.lora,
      log: (line) => {
        progress.done();
        io.out(line);
      },
      progress: progress.update,
    });
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
