import * as tf from '@tensorflow/tfjs';
import { IGNORE_INDEX as L, createRng } from '@vlm/core';
import { createConnector } from '@vlm/connectors';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../testing/backend';
import { tinyLm, tinyVision } from '../testing/tiny-models';
import { Blip2Model } from './blip2';

beforeAll(useCpuBackend);

const qformer = (outputDim: number) =>
  createConnector({ type: 'qformer', hiddenSize: 8, numLayers: 2, numHeads: 2, intermediateSize: 16, encoderWidth: 8, numQueries: 3, outputDim, dropout: 0 }, createRng(4));

describe('Blip2Model', () => {
  it('prepends the projected queries with -100 labels; text-only samples get none', () => {
    const model = new Blip2Model({ vision: tinyVision(), connector: qformer(16), lm: tinyLm() });
    tf.tidy(() => {
      const out = model.forward({
        inputIds: [[1, 5, 6], [1, 7]],
        labels: [[L, 5, 6], [L, 7]],
        pixelValues: tf.randomUniform([1, 3, 8, 8], -1, 1, 'float32', 3) as tf.Tensor4D,
        hasImage: [true, false],
      });
      expect(out.lengths).toEqual([3 + 3, 2]);
      expect(out.logits.shape).toEqual([2, 6, 20]);
      expect(out.labels!.arraySync()).toEqual([
        [L, L, L, L, 5, 6],
        [L, 7, L, L, L, L],
      ]);
      expect(model.modules.connector.parameterCount()).toBeGreaterThan(0);
    });
  });

  it('requires the Q-Former to project to the LM width', () => {
    expect(() => new Blip2Model({ vision: tinyVision(), connector: qformer(12), lm: tinyLm() })).toThrow(/LM hidden size is 16/);
  });
});
