import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { createRng } from '@vlm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerFastWasmKernels } from '../kernels/register-wasm-kernels';
import type { TrainableModule } from '../modules/trainable-module';
import { seededTensor } from '../testing/grad-check';
import { createConnector } from './create-connector';
import { GatedCrossAttentionBlock } from './gated-cross-attention';

/** Output and the gradient of one weight, computed on `backend` from the module's current weights. */
async function run(backend: string, module: TrainableModule, forward: () => tf.Tensor, weight: string): Promise<[Float32Array, Float32Array]> {
  await tf.setBackend(backend);
  // Move the weights onto this backend by re-creating them from their values.
  for (const v of module.weights().values()) v.assign(tf.tensor(v.dataSync().slice(), v.shape));
  const y = forward();
  const out = y.dataSync().slice() as Float32Array;
  const { grads } = tf.variableGrads(() => tf.sum(tf.square(forward())) as tf.Scalar, [module.weights().get(weight)!]);
  const g = Object.values(grads)[0]!.dataSync().slice() as Float32Array;
  tf.dispose([y, ...Object.values(grads)]);
  return [out, g];
}

function close(a: Float32Array, b: Float32Array, tol: number): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)) / (1 + Math.abs(b[i] as number)));
  expect(worst).toBeLessThan(tol);
}

describe('wasm (fast kernels) and cpu agree on every connector', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerFastWasmKernels();
    await tf.setBackend('cpu');
  });

  const cases: [string, () => { module: TrainableModule; forward: () => tf.Tensor; weight: string }][] = [
    ['mlp2x_gelu', () => {
      const m = createConnector({ type: 'mlp2x_gelu', inputDim: 12, outputDim: 16 }, createRng(1));
      return { module: m, forward: () => m.apply(seededTensor([2, 5, 12], 2)), weight: 'linear_1.kernel' };
    }],
    ['qformer', () => {
      const m = createConnector({ type: 'qformer', hiddenSize: 16, numLayers: 2, numHeads: 2, intermediateSize: 32, encoderWidth: 12, numQueries: 4, outputDim: 8 }, createRng(3));
      return { module: m, forward: () => m.apply(seededTensor([2, 6, 12], 4)), weight: 'layer_0.cross.key.kernel' };
    }],
    ['perceiver', () => {
      const m = createConnector({ type: 'perceiver', dim: 16, depth: 2, heads: 2, dimHead: 8, numLatents: 4 }, createRng(5));
      return { module: m, forward: () => m.apply(seededTensor([2, 2, 5, 16], 6)), weight: 'layer_1.to_kv' };
    }],
    ['gated cross-attention', () => {
      const m = new GatedCrossAttentionBlock({ dim: 16, dimVisual: 12, heads: 2, dimHead: 8 }).build(createRng(7));
      m.weights().get('attn_gate')!.assign(tf.tensor1d([0.5]));
      m.weights().get('ff_gate')!.assign(tf.tensor1d([0.5]));
      const forward = () => m.apply(seededTensor([2, 6, 16], 8), seededTensor([2, 2, 3, 12], 9), { textTime: tf.tensor2d([[0, 1, 1, 2, 2, 2], [1, 1, 1, 1, 2, 2]], undefined, 'int32') });
      return { module: m, forward, weight: 'attn.to_kv' };
    }],
  ];

  for (const [name, make] of cases) {
    it(name, async () => {
      const { module, forward, weight } = make();
      const [cpuOut, cpuGrad] = await run('cpu', module, forward, weight);
      const [wasmOut, wasmGrad] = await run('wasm', module, forward, weight);
      close(wasmOut, cpuOut, 1e-4);
      close(wasmGrad, cpuGrad, 1e-3);
      await tf.setBackend('cpu');
    });
  }
});
