import { parseArgs } from 'node:util';
import { VlmError } from '@vlm/core';
import { fullDemoPreset, tinyDemoPreset } from '@vlm/shapes-demo';
import { runTrainingDemo } from '@vlm/shapes-demo/node';
import { processIo, type Command } from './io';
import { progressWriter } from './progress-writer';

const USAGE = 'usage: vlm-train demo [--out dir] [--seed n] [--quick] [--lora]\n  --lora  also run stage 2 with LoRA adapters (LM frozen) from the same stage-1 checkpoint and compare it with full fine-tuning';

/**
 * `vlm-train demo`: the built-in demo that really learns (synthetic shapes, two-stage training,
 * held-out accuracy next to a text-only baseline and chance); writes an HTML report.
 */
export const trainDemoCommand: Command = async (args, io = processIo) => {
  const { values } = parseArgs({ args, options: { out: { type: 'string', default: 'vlm-demo' }, seed: { type: 'string', default: '0' }, quick: { type: 'boolean' }, lora: { type: 'boolean' }, help: { type: 'boolean' } } });
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const seed = Number(values.seed);
  if (!/^\d+$/.test(values.seed) || !Number.isSafeInteger(seed)) {
    throw new VlmError('option_invalid', `--seed ${JSON.stringify(values.seed)} is not a whole number.`, { location: { field: '--seed' }, hint: 'Use a non-negative integer, e.g. --seed 1.' });
  }
  const progress = progressWriter(io, 20);
  const result = await runTrainingDemo({
    outDir: values.out,
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
  io.out(`checkpoint: ${result.checkpoint} (try: vlm-train chat --checkpoint ${result.checkpoint} --image <png> --prompt "What color is the circle? Answer briefly.")`);
  io.out(`stage-1 connector (mm_projector layout): ${result.connectorFile}`);
  return 0;
};
