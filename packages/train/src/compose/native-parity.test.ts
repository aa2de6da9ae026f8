import * as tf from '@tensorflow/tfjs-core';
import { IGNORE_INDEX as L, IMAGE_TOKEN_INDEX as IMG, createRng } from '@vlm/core';
import { GatedCrossAttentionBlock, createConnector, crossAttentionLayerIndices } from '@vlm/connectors';
import { describeNativeParity, type ParityCase } from '../../../connectors/src/testing/backend-parity';
import { seededTensor } from '../../../connectors/src/testing/grad-check';
import { tinyLm, tinyVision } from '../testing/tiny-models';
import { Blip2Model } from './blip2';
import { FlamingoModel } from './flamingo';
import { LlavaModel } from './llava';
import type { ModuleHandle } from './modules';

// The native backend (tfjs-node) against wasm with the toolkit's kernels: every tower and every
// composition, forward output and the gradient of every variable (all modules trainable), within 1e-5.

const pixels = (n: number, seed: number) => seededTensor([n, 3, 8, 8], seed) as tf.Tensor4D;
const allVariables = (modules: Record<string, ModuleHandle>) => {
  for (const m of Object.values(modules)) m.setTrainable(true);
  return Object.values(modules).flatMap((m) => [...m.namedVariables().values()]);
};

const cases: [string, () => ParityCase][] = [
  ['CLIP vision tower (quick_gelu, pre-LN)', () => {
    const vision = tinyVision(11);
    return { variables: vision.params.variables(), forward: () => {
      const out = vision.forward(pixels(2, 12));
      return tf.concat([tf.reshape(out.hiddenStates.at(-1)!, [2, -1]), out.pooled], 1);
    } };
  }],
  ['LLaMA language model (RoPE, GQA, RMSNorm, SwiGLU)', () => {
    const lm = tinyLm(13);
    const ids = () => tf.tensor2d([[1, 2, 3, 4, 5, 6, 7, 8], [9, 10, 11, 12, 13, 0, 0, 0]], undefined, 'int32');
    const mask = () => tf.tensor2d([[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0, 0, 0]], undefined, 'int32');
    return { variables: lm.params.variables(), forward: () => lm.forward({ inputIds: ids(), attentionMask: mask() }).logits };
  }],
  ['LLaVA (CLIP + mlp2x_gelu + LLaMA, spliced images)', () => {
    const connector = createConnector({ type: 'mlp2x_gelu', inputDim: 8, outputDim: 16 }, createRng(3));
    const model = new LlavaModel({ vision: tinyVision(), connector, lm: tinyLm() });
    const input = () => ({ inputIds: [[1, IMG, 5, 6], [1, IMG, 7, IMG, 8]], labels: [[L, L, 5, 6], [L, L, L, L, 8]], pixelValues: pixels(3, 14) });
    return { variables: allVariables(model.modules), forward: () => model.forward(input()).logits };
  }],
  ['BLIP-2 (CLIP + Q-Former + LLaMA)', () => {
    const qformer = createConnector({ type: 'qformer', hiddenSize: 8, numLayers: 2, numHeads: 2, intermediateSize: 16, encoderWidth: 8, numQueries: 3, outputDim: 16, dropout: 0 }, createRng(4));
    const model = new Blip2Model({ vision: tinyVision(), connector: qformer, lm: tinyLm() });
    const input = () => ({ inputIds: [[1, 5, 6], [1, 7]], labels: [[L, 5, 6], [L, 7]], pixelValues: pixels(1, 15), hasImage: [true, false] });
    return { variables: allVariables(model.modules), forward: () => model.forward(input()).logits };
  }],
  ['Flamingo (CLIP + gated cross-attention into LLaMA, gates open)', () => {
    const lm = tinyLm();
    const blocks = new Map(crossAttentionLayerIndices(lm.config.numHiddenLayers, 1).map((i) => [i, new GatedCrossAttentionBlock({ dim: 16, dimVisual: 8, heads: 2, dimHead: 4 }).build(createRng(i))]));
    const model = new FlamingoModel({ vision: tinyVision(), lm, crossAttention: blocks, imageTokenId: 3 });
    for (const [name, v] of model.modules.xattn.namedVariables()) if (name.endsWith('_gate')) v.assign(tf.fill(v.shape, 0.6));
    const ids = () => tf.tensor2d([[5, 6, 3, 7, 8, 3, 9]], undefined, 'int32');
    return { variables: allVariables(model.modules), forward: () => model.forward({ inputIds: ids(), pixelValues: pixels(2, 16), imagesPerSample: 2 }).logits };
  }],
];

await describeNativeParity('native (tfjs-node) and wasm agree on every tower and composition, forward and gradients', cases);
