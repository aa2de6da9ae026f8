import type { StageSpecInput } from '@vlm/train';
import type { DemoPreset } from './demo-preset';

/** The demo's LM pretraining stage (stage 0: plain text, the LM alone), wherever it runs. */
export function lmPretrainStage(p: Pick<DemoPreset, 'lmPretrain'>): StageSpecInput {
  return { name: 'lm-pretrain', template: 'plain', train: { lm: p.lmPretrain.learningRate }, steps: p.lmPretrain.steps, globalBatchSize: p.lmPretrain.batchSize, warmupRatio: 0.05, minLrRatio: 0.1 };
}
