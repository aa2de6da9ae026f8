import * as tf from '@tensorflow/tfjs-core';
import { createRng, VlmError } from '@vlm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradientCheck, seededTensor } from '../testing/grad-check';
import { createConnector } from './create-connector';
import { Projector } from './projector';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('LLaVA projectors', () => {
  it('count parameters like the reference without allocating', () => {
    expect(new Projector({ type: 'linear', inputDim: 1024, outputDim: 4096 }).parameterCount()).toBe(4_198_400);
    expect(new Projector({ type: 'mlp2x_gelu', inputDim: 1024, outputDim: 4096 }).parameterCount()).toBe(20_979_712);
    expect(new Projector({ type: 'mlp2x_gelu', inputDim: 1024, outputDim: 5120 }).parameterCount()).toBe(31_467_520);
    const p = new Projector({ type: 'mlp2x_gelu', inputDim: 1024, outputDim: 4096 });
    expect(p.built).toBe(false);
    expect(new Projector({ type: 'identity', inputDim: 8, outputDim: 8 }).parameterCount()).toBe(0);
  });

  it('builds the tiny mlp2x with 6,272 weights and maps 16 patches to 16 tokens', () => {
    const p = createConnector({ type: 'mlp2x_gelu', inputDim: 32, outputDim: 64 }, createRng(1));
    const built = [...p.weights().values()].reduce((s, v) => s + v.size, 0);
    expect(built).toBe(6272);
    expect(p.parameterCount()).toBe(6272);
    expect([...p.weights().keys()]).toEqual(['linear_1.kernel', 'linear_1.bias', 'linear_2.kernel', 'linear_2.bias']);
    const y = p.apply(seededTensor([2, 16, 32], 3));
    expect(y.shape).toEqual([2, 16, 64]);
    expect(p.outputTokens(16)).toBe(16);
  });

  it('mlp3x has three linears, linear one, identity passes through', () => {
    const m3 = createConnector({ type: 'mlp3x_gelu', inputDim: 4, outputDim: 6 }, createRng(2));
    expect(m3.parameterCount()).toBe(4 * 6 + 6 + 2 * (6 * 6 + 6));
    const lin = createConnector({ type: 'linear', inputDim: 4, outputDim: 6 }, createRng(2));
    const x = seededTensor([1, 3, 4], 9);
    const w = lin.weights();
    const want = tf.add(tf.matMul(x.reshape([3, 4]), w.get('linear_1.kernel')!), w.get('linear_1.bias')!);
    expect(tf.max(tf.abs(tf.sub(lin.apply(x).reshape([3, 6]), want))).dataSync()[0]).toBeLessThan(1e-6);
    const id = createConnector({ type: 'identity', inputDim: 4, outputDim: 4 });
    expect(id.apply(x).dataSync()).toEqual(x.dataSync());
  });

  it('rejects bad configs with a VlmError naming the field', () => {
    expect(() => createConnector({ type: 'mlp0x_gelu', inputDim: 4, outputDim: 4 })).toThrow(VlmError);
    try {
      createConnector({ type: 'linear', inputDim: -1, outputDim: 4 });
    } catch (error) {
      expect((error as VlmError).location.field).toBe('inputDim');
    }
  });

  it('has gradients that match finite differences', () => {
    const p = createConnector({ type: 'mlp2x_gelu', inputDim: 5, outputDim: 4 }, createRng(4));
    const x = seededTensor([2, 3, 5], 5);
    const target = seededTensor([2, 3, 4], 6);
    const loss = () => tf.mean(tf.square(tf.sub(p.apply(x), target))) as tf.Scalar;
    for (const name of ['linear_1.kernel', 'linear_1.bias', 'linear_2.kernel']) {
      expect(gradientCheck(loss, p.weights().get(name)!)).toBeLessThan(2e-2);
    }
  });
});
