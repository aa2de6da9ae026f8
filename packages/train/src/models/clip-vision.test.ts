import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@vlm/core';
import { writeSafetensors } from '@vlm/connectors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../testing/backend';
import { type RefClipConfig, randomClipStateDict, refClipHiddenStates } from '../testing/reference-clip';
import { loadClipVision } from '../weights/pretrained';

const base: RefClipConfig = {
  hidden_size: 8, intermediate_size: 16, num_hidden_layers: 3, num_attention_heads: 2,
  image_size: 8, patch_size: 4, num_channels: 3, layer_norm_eps: 1e-5, hidden_act: 'quick_gelu',
};

let dir: string;
beforeAll(async () => {
  await useCpuBackend();
  dir = await mkdtemp(join(tmpdir(), 'vlm-train-clip-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function randomImage(seed: number, c: RefClipConfig): number[][][] {
  const rng = createRng(seed);
  return Array.from({ length: c.num_channels }, () => Array.from({ length: c.image_size }, () => Array.from({ length: c.image_size }, () => rng.normal())));
}

describe('ClipVisionModel', () => {
  for (const act of ['quick_gelu', 'gelu'] as const) {
    it(`loads a full HF CLIP checkpoint (${act}) and matches the reference at every layer`, async () => {
      const c = { ...base, hidden_act: act };
      const sd = randomClipStateDict(c, createRng(10));
      const d = join(dir, act);
      await mkdir(d, { recursive: true });
      // A full CLIP checkpoint: vision_config nested, text tower keys present and ignored.
      await writeFile(join(d, 'config.json'), JSON.stringify({ model_type: 'clip', vision_config: c, text_config: {} }));
      const tensors = new Map([...sd, ['text_model.embeddings.token_embedding.weight', { shape: [2, 2], data: new Float32Array(4) }]]);
      await writeFile(join(d, 'model.safetensors'), writeSafetensors(tensors));
      const model = await loadClipVision(d);
      const image = randomImage(11, c);
      const expected = refClipHiddenStates(c, sd, image);
      const [states, llava] = tf.tidy(() => {
        const px = tf.tensor4d([image]);
        return [model.forward(px).hiddenStates.map((h) => h.arraySync()[0]!), model.features(px).arraySync()[0]!];
      });
      expect(states).toHaveLength(c.num_hidden_layers + 1);
      states.forEach((layer, l) => layer.forEach((tok, t) => tok.forEach((v, i) => expect(Math.abs(v - expected[l]![t]![i]!)).toBeLessThan(1e-4))));
      // LLaVA selection: layer -2, class token dropped
      expect(llava).toHaveLength(4);
      expect(llava).toEqual(states[states.length - 2]!.slice(1));
      model.params.dispose();
    });
  }

  it('rejects pixel values of the wrong size with a hint', async () => {
    const { ClipVisionModel } = await import('./clip-vision');
    const model = new ClipVisionModel({ hiddenSize: 8, intermediateSize: 8, numHiddenLayers: 1, numAttentionHeads: 2, imageSize: 8, patchSize: 4, numChannels: 3, layerNormEps: 1e-5, hiddenAct: 'gelu' });
    expect(() => model.forward(tf.zeros([1, 3, 16, 16]) as tf.Tensor4D)).toThrow(/do not match the vision config/);
    model.params.dispose();
  });
});
