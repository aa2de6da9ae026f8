// Stage 2 of the shapes demo two ways from the same stage-1 checkpoint: full fine-tuning (connector +
// LM) and LoRA (adapters on every LM linear + connector, LM frozen); prints accuracy, trainable
// parameters and step time. `vlm-train demo --lora` does the same with the full preset; this script
// shortens the preset (vision pretraining and stage-2 steps) so the comparison fits a loaded machine.
//   node --conditions=@vlm/source --import tsx scripts/compare-lora.ts [--out dir] [--vision-steps n] [--stage2-steps n]
import { parseArgs } from 'node:util';
import { fullDemoPreset } from '../src/demo-preset';
import { runTrainingDemo } from '../src/run-training-demo';

const { values } = parseArgs({ options: { out: { type: 'string', default: 'compare-lora' }, 'vision-steps': { type: 'string' }, 'stage2-steps': { type: 'string' } } });
const preset = {
  ...fullDemoPreset,
  contrastive: { ...fullDemoPreset.contrastive, steps: Number(values['vision-steps'] ?? fullDemoPreset.contrastive.steps) },
  instruct: { ...fullDemoPreset.instruct, steps: Number(values['stage2-steps'] ?? fullDemoPreset.instruct.steps) },
};
const r = await runTrainingDemo({ outDir: values.out, preset, compareLora: true, log: (l) => console.log(l) });
for (const line of r.terminal) console.log(line);
