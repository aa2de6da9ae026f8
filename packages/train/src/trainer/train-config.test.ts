import { describe, expect, it } from 'vitest';
import { parseTrainConfig } from './train-config';

const valid = {
  output: 'run',
  model: { lm: { pretrained: 'models/lm' }, vision: { pretrained: 'models/clip' }, connector: { type: 'mlp2x_gelu' } },
  tokenizer: { kind: 'llama-2' },
  stages: [{ name: 'align', template: 'plain', data: { path: 'a.json', imageRoot: 'img' }, train: { connector: 1e-3 }, epochs: 1, globalBatchSize: 256, maxMicroBatchSize: 16 }],
};

describe('parseTrainConfig', () => {
  it('applies stage defaults and keeps each stage with its data', () => {
    const c = parseTrainConfig(valid);
    expect(c.seed).toBe(0);
    expect(c.stages[0]).toMatchObject({ name: 'align', warmupRatio: 0.03, maxGradNorm: 1, data: { path: 'a.json' }, train: { connector: 1e-3 } });
  });

  it.each([
    [{ ...valid, output: undefined }, 'output'],
    [{ ...valid, tokenizer: { kind: 'sentencepiece' } }, 'tokenizer.kind'],
    [{ ...valid, stages: [{ ...valid.stages[0], train: {} }] }, 'stages.0.train'],
    [{ ...valid, stages: [{ ...valid.stages[0], train: { projector: 1 } }] }, 'stages.0.train'],
    [{ ...valid, stages: [{ ...valid.stages[0], steps: 10 }] }, 'stages.0.steps'],
    [{ ...valid, stages: [{ ...valid.stages[0], data: { imageRoot: 'img' } }] }, 'stages.0.data.path'],
  ])('names the path of every error (%#)', (config, field) => {
    expect(() => parseTrainConfig(config, 'run.yaml')).toThrow(expect.objectContaining({ code: 'config_invalid', location: { file: 'run.yaml', field } }));
  });
});
