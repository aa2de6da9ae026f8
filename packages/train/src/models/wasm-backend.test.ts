import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@vlm/core';
import { selectBackend } from '@vlm/connectors';
import { describe, expect, it } from 'vitest';
import { maskedCrossEntropy } from '../loss/masked-cross-entropy';
import { LlamaModel } from './llama';

const cfg = {
  vocabSize: 50, hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2,
  maxPositionEmbeddings: 64, rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: true,
};

function lossAndGrads(): { loss: number; grads: number[][] } {
  const model = new LlamaModel(cfg, createRng(1));
  const ids = tf.tensor2d([[1, 2, 3, 4, 5, 6, 7, 8, 3, 3]], undefined, 'int32');
  const { value, grads } = tf.variableGrads(() => maskedCrossEntropy(model.forward({ inputIds: ids }).logits, ids), model.params.variables());
  const out = { loss: value.dataSync()[0] as number, grads: Object.values(grads).map((g) => Array.from(g.dataSync())) };
  tf.dispose([value, ids, ...Object.values(grads)]);
  model.params.dispose();
  return out;
}

describe('wasm backend', () => {
  it('gives the cpu backend loss and gradients (GQA, tied head, embedding scatter-add, custom CE gradient)', async () => {
    await tf.setBackend('cpu');
    const cpu = lossAndGrads();
    await selectBackend({ force: 'wasm', log: () => {} });
    expect(tf.getBackend()).toBe('wasm');
    const wasm = lossAndGrads();
    expect(wasm.loss).toBeCloseTo(cpu.loss, 5);
    let maxDiff = 0;
    cpu.grads.forEach((g, i) => g.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - wasm.grads[i]![j]!)))));
    expect(maxDiff).toBeLessThan(1e-5);
    expect(Math.max(...cpu.grads.flat().map(Math.abs))).toBeGreaterThan(1e-3);
  });
});
