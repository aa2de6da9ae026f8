import * as tf from '@tensorflow/tfjs-core';
import { IGNORE_INDEX, IMAGE_TOKEN_INDEX as IMG, createRng } from '@vlm/core';
import { createConnector } from '@vlm/connectors';
import { beforeAll, describe, expect, it } from 'vitest';
import { maskedCrossEntropy } from '../loss/masked-cross-entropy';
import { useCpuBackend } from '../testing/backend';
import { tinyLm, tinyVision } from '../testing/tiny-models';
import { LlavaModel } from './llava';
import { trainableVariables } from './modules';

beforeAll(useCpuBackend);

function tinyLlava(padding: 'left' | 'right' = 'right') {
  const connector = createConnector({ type: 'mlp2x_gelu', inputDim: 8, outputDim: 16 }, createRng(3));
  return new LlavaModel({ vision: tinyVision(), connector, lm: tinyLm(), padding });
}

const pixels = (n: number) => tf.randomUniform([n, 3, 8, 8], -1, 1, 'float32', 7) as tf.Tensor4D;
const ids = [
  [1, IMG, 5, 6],
  [1, IMG, 7, IMG, 8],
];
const labels = [
  [IGNORE_INDEX, IGNORE_INDEX, 5, 6],
  [IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX, 8],
];

describe('LlavaModel splice', () => {
  it('spliced lengths are L - n_img + n_img·N and labels are -100 at images and padding', () => {
    const model = tinyLlava();
    tf.tidy(() => {
      const out = model.forward({ inputIds: ids, labels, pixelValues: pixels(3) });
      // 4 patches per image (8/4)², class token dropped
      expect(out.lengths).toEqual([4 - 1 + 4, 5 - 2 + 8]);
      expect(out.logits.shape).toEqual([2, 11, 20]);
      expect(out.imageSpans).toEqual([[[1, 5]], [[1, 5], [6, 10]]]);
      const L = IGNORE_INDEX;
      expect(out.labels!.arraySync()).toEqual([
        [L, L, L, L, L, 5, 6, L, L, L, L],
        [L, L, L, L, L, L, L, L, L, L, 8],
      ]);
      expect(out.attentionMask.arraySync()).toEqual([
        [1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0],
        [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
      ]);
      // the spliced rows are the connector outputs and the token embeddings, in order
      const images = model.encodeImages(pixels(3))!;
      const emb = out.inputsEmbeds.arraySync();
      expect(emb[1]!.slice(6, 10)).toEqual(images.arraySync()[2]);
      expect(emb[1]![5]).toEqual(model.lm.embedTokens(tf.tensor2d([[7]], undefined, 'int32')).arraySync()[0]![0]);
    });
  });

  it('left padding puts the pad first and leaves real-token logits unchanged', () => {
    const right = tinyLlava('right');
    const left = tinyLlava('left');
    tf.tidy(() => {
      const r = right.forward({ inputIds: ids, labels, pixelValues: pixels(3) });
      const l = left.forward({ inputIds: ids, labels, pixelValues: pixels(3) });
      expect(l.attentionMask.arraySync()[0]).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
      expect(l.imageSpans[0]).toEqual([[5, 9]]);
      const rl = tf.slice(r.logits, [0, 0, 0], [1, 7, 20]);
      const ll = tf.slice(l.logits, [0, 4, 0], [1, 7, 20]);
      expect(tf.max(tf.abs(tf.sub(rl, ll))).arraySync()).toBeLessThan(1e-5);
    });
  });

  it('rejects a batch whose placeholders and images disagree', () => {
    const model = tinyLlava();
    expect(() => model.forward({ inputIds: ids, pixelValues: pixels(2) })).toThrow(/3 image placeholder\(s\) \(-200\) but 2/);
  });

  it('refuses to truncate through an image', () => {
    const connector = createConnector({ type: 'linear', inputDim: 8, outputDim: 16 }, createRng(3));
    const model = new LlavaModel({ vision: tinyVision(), connector, lm: tinyLm(), maxLength: 3 });
    expect(() => model.forward({ inputIds: [[1, IMG, 5]], pixelValues: pixels(1) })).toThrow(/inside image features/);
  });

  it('stage 1: with vision and lm frozen only the connector gets gradients', () => {
    const model = tinyLlava();
    model.modules.vision.setTrainable(false);
    model.modules.lm.setTrainable(false);
    const vars = trainableVariables(model.modules);
    expect(vars).toHaveLength(model.connector.weights().size);
    tf.tidy(() => {
      const { grads, value } = tf.variableGrads(() => {
        const out = model.forward({ inputIds: ids, labels, pixelValues: pixels(3) });
        return maskedCrossEntropy(out.logits, out.labels!);
      }, vars);
      expect(value.arraySync()).toBeGreaterThan(0);
      const norms = Object.values(grads).map((g) => tf.norm(g).arraySync() as number);
      expect(norms.every((n) => n > 0)).toBe(true);
    });
  });
});
