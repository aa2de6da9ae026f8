import * as tf from '@tensorflow/tfjs-core';
import { IGNORE_INDEX as L, createRng } from '@vlm/core';
import { createConnector } from '@vlm/connectors';
import { beforeAll, describe, expect, it } from 'vitest';
import { BLIP2_FEATURE_SELECTION, ClipVisionModel } from '../models/clip-vision';
import { clipVisionConfigFromHf } from '../models/hf-config';
import { useCpuBackend } from '../testing/backend';
import { type RefClipConfig, randomClipStateDict, refClipHiddenStates, refLayerNorm } from '../testing/reference-clip';
import { assignParams } from '../weights/load-params';
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

  it('feeds the Q-Former the last-layer tokens after the tower post_layernorm (BLIP-2 ln_vision), as a plain-JS reference computes them', () => {
    const c: RefClipConfig = {
      hidden_size: 8, intermediate_size: 16, num_hidden_layers: 2, num_attention_heads: 2,
      image_size: 8, patch_size: 4, num_channels: 3, layer_norm_eps: 1e-5, hidden_act: 'quick_gelu',
    };
    const sd = randomClipStateDict(c, createRng(21));
    const vision = new ClipVisionModel(clipVisionConfigFromHf(c), 'zeros');
    assignParams(vision.params, new Map([...sd].map(([k, v]) => [k, { dtype: 'F32' as const, ...v }])));
    const rng = createRng(22);
    const image = Array.from({ length: 3 }, () => Array.from({ length: 8 }, () => Array.from({ length: 8 }, () => rng.normal())));
    const last = refClipHiddenStates(c, sd, image).at(-1)!;
    const g = (n: string) => sd.get(`vision_model.post_layernorm.${n}`)!.data;
    const expected = last.map((tok) => refLayerNorm(tok, g('weight'), g('bias'), c.layer_norm_eps));
    const connector = qformer(16);
    const model = new Blip2Model({ vision, connector, lm: tinyLm() });
    tf.tidy(() => {
      const px = tf.tensor4d([image]);
      const feats = vision.features(px, BLIP2_FEATURE_SELECTION).arraySync()[0]!;
      expect(feats).toHaveLength(5); // class token + 4 patches
      feats.forEach((tok, t) => tok.forEach((v, i) => expect(Math.abs(v - expected[t]![i]!)).toBeLessThan(1e-4)));
      const queries = tf.slice(model.prepareInputs({ inputIds: [[5]], pixelValues: px }).inputsEmbeds, [0, 0, 0], [1, 3, 16]).arraySync();
      const fromReference = connector.apply(tf.tensor3d([expected])).arraySync() as number[][][];
      const unnormed = connector.apply(tf.tensor3d([last])).arraySync() as number[][][];
      let maxRef = 0;
      let maxRaw = 0;
      queries[0]!.forEach((q, j) => q.forEach((v, i) => {
        maxRef = Math.max(maxRef, Math.abs(v - fromReference[0]![j]![i]!));
        maxRaw = Math.max(maxRaw, Math.abs(v - unnormed[0]![j]![i]!));
      }));
      expect(maxRef).toBeLessThan(1e-5);
      // Without the norm the queries move by far more than float rounding.
      expect(maxRaw).toBeGreaterThan(100 * Math.max(maxRef, 1e-6));
    });
  });

  it('hand-computed: post_layernorm of one token [1, 2, 3, 4] with gamma 1, beta 0', () => {
    // mean 2.5, variance 1.25 -> (x - 2.5) / sqrt(1.25 + 1e-5)
    expect(refLayerNorm([1, 2, 3, 4], [1, 1, 1, 1], [0, 0, 0, 0], 1e-5).map((v) => Number(v.toFixed(5)))).toEqual([-1.34164, -0.44721, 0.44721, 1.34164]);
  });
});
