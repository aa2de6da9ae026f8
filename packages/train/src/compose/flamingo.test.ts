import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@vlm/core';
import { GatedCrossAttentionBlock, crossAttentionLayerIndices } from '@vlm/connectors';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../testing/backend';
import { tinyLm, tinyVision } from '../testing/tiny-models';
import { FlamingoModel } from './flamingo';

beforeAll(useCpuBackend);

const IMAGE_ID = 3;

export function tinyFlamingo(): FlamingoModel {
  const lm = tinyLm();
  const blocks = new Map(
    crossAttentionLayerIndices(lm.config.numHiddenLayers, 1).map((i) => [i, new GatedCrossAttentionBlock({ dim: 16, dimVisual: 8, heads: 2, dimHead: 4 }).build(createRng(i))]),
  );
  return new FlamingoModel({ vision: tinyVision(), lm, crossAttention: blocks, imageTokenId: IMAGE_ID });
}

const ids = [[5, 6, IMAGE_ID, 7, 8, IMAGE_ID, 9]];
const pixels = () => tf.randomUniform([2, 3, 8, 8], -1, 1, 'float32', 9) as tf.Tensor4D;

describe('FlamingoModel', () => {
  it('freezes the LM by default and exposes vision, connector and lm', () => {
    const model = tinyFlamingo();
    expect(model.modules.lm.isTrainable()).toBe(false);
    expect(model.modules.xattn.isTrainable()).toBe(true);
    // 2 blocks of 8·D·... params; every block weight is named by its layer
    expect([...model.modules.xattn.namedVariables().keys()].some((k) => k.startsWith('1.'))).toBe(true);
  });

  it('at initialisation gives exactly the language model logits', () => {
    const model = tinyFlamingo();
    tf.tidy(() => {
      const x = tf.tensor2d(ids, undefined, 'int32');
      const withImages = model.forward({ inputIds: x, pixelValues: pixels(), imagesPerSample: 2 }).logits.arraySync();
      const lmOnly = model.lm.forward({ inputIds: x }).logits.arraySync();
      expect(withImages).toEqual(lmOnly);
    });
  });

  it('with open attention gates only tokens from the first image on change; image labels become -100', () => {
    const model = tinyFlamingo();
    // The FFN branch (ff_gate) applies to every token, so only the attention gate is opened here.
    for (const [name, v] of model.modules.xattn.namedVariables()) if (name.endsWith('attn_gate')) v.assign(tf.fill(v.shape, 0.7));
    tf.tidy(() => {
      const x = tf.tensor2d(ids, undefined, 'int32');
      const out = model.forward({ inputIds: x, pixelValues: pixels(), imagesPerSample: 2, labels: x });
      const diff = (tf.sum(tf.abs(tf.sub(out.logits, model.lm.forward({ inputIds: x }).logits)), -1).arraySync() as number[][])[0]!;
      expect(diff.slice(0, 2)).toEqual([0, 0]);
      diff.slice(2).forEach((d) => expect(d).toBeGreaterThan(1e-4));
      expect(out.labels!.arraySync()).toEqual([[5, 6, -100, 7, 8, -100, 9]]);
    });
  });
});
