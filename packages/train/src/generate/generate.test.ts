import * as tf from '@tensorflow/tfjs-core';
import { IMAGE_TOKEN_INDEX as IMG, createRng } from '@vlm/core';
import { GatedCrossAttentionBlock, createConnector } from '@vlm/connectors';
import { beforeAll, describe, expect, it } from 'vitest';
import { FlamingoModel } from '../compose/flamingo';
import { LlavaModel } from '../compose/llava';
import { useCpuBackend } from '../testing/backend';
import { tinyLm, tinyVision } from '../testing/tiny-models';
import { generate } from './generate';
import { flamingoSession, llavaSession } from './model-sessions';
import { tokensSession } from './session';

beforeAll(useCpuBackend);

// A character-level vocabulary: id i decodes to ALPHABET[i].
const ALPHABET = 'abcdefghij #</>ASTU:';
const decode = (ids: number[]) => ids.map((i) => ALPHABET[i]).join('');
const pixels = (n: number) => tf.randomUniform([n, 3, 8, 8], -1, 1, 'float32', 5) as tf.Tensor4D;

describe('generate', () => {
  const lm = tinyLm(7);
  const prompt = [1, 2, 3, 4];

  it('KV-cache decoding equals full recomputation (greedy and seeded sampling)', async () => {
    for (const sampling of [{}, { temperature: 0.9, topP: 0.9 }]) {
      const runs = [];
      for (const useCache of [true, false]) {
        const session = tokensSession(lm, prompt, { useCache });
        runs.push(await generate(session, { maxNewTokens: 12, ...sampling, rng: createRng(42) }));
        session.dispose();
      }
      expect(runs[0]!.ids).toHaveLength(12);
      expect(runs[0]!.ids).toEqual(runs[1]!.ids);
    }
  });

  it('stops at a stop string, cutting the text before it', async () => {
    const free = tokensSession(lm, prompt);
    const all = await generate(free, { maxNewTokens: 10, decode });
    free.dispose();
    const stop = all.text!.slice(4, 6); // a two-character stop string the model will produce
    const first = all.text!.indexOf(stop);
    const session = tokensSession(lm, prompt);
    const out = await generate(session, { maxNewTokens: 10, decode, stopStrings: [stop] });
    session.dispose();
    expect(out.finishReason).toBe('stop_string');
    expect(out.text).toBe(all.text!.slice(0, first));
    expect(out.ids).toEqual(all.ids.slice(0, first + 2));
  });

  it('stops at a stop id (excluded) and at maxNewTokens', async () => {
    const free = tokensSession(lm, prompt);
    const all = await generate(free, { maxNewTokens: 8 });
    free.dispose();
    expect(all.finishReason).toBe('max_tokens');
    const stopId = all.ids[3]!;
    const session = tokensSession(lm, prompt);
    const out = await generate(session, { maxNewTokens: 8, stopIds: [stopId] });
    session.dispose();
    expect(out.finishReason).toBe('stop_id');
    expect(out.ids).toEqual(all.ids.slice(0, all.ids.indexOf(stopId)));
  });

  it('LLaVA image prompts decode the same with and without the cache; text-only prompts work too', async () => {
    const model = new LlavaModel({ vision: tinyVision(), connector: createConnector({ type: 'mlp2x_gelu', inputDim: 8, outputDim: 16 }, createRng(3)), lm });
    const images = pixels(1);
    const outs = [];
    for (const useCache of [true, false]) {
      const session = llavaSession(model, { inputIds: [1, IMG, 5, 6], pixelValues: images }, { useCache });
      outs.push((await generate(session, { maxNewTokens: 6 })).ids);
      session.dispose();
    }
    expect(outs[0]).toEqual(outs[1]);
    const textOnly = llavaSession(model, { inputIds: prompt });
    const plain = tokensSession(lm, prompt);
    expect((await generate(textOnly, { maxNewTokens: 5 })).ids).toEqual((await generate(plain, { maxNewTokens: 5 })).ids);
    textOnly.dispose();
    plain.dispose();
  });

  it('Flamingo decoding with the cache equals recomputation (open gates, two images)', async () => {
    const blocks = new Map([[1, new GatedCrossAttentionBlock({ dim: 16, dimVisual: 8, heads: 2, dimHead: 4 }).build(createRng(1))]]);
    const model = new FlamingoModel({ vision: tinyVision(), lm: tinyLm(8), crossAttention: blocks, imageTokenId: 3 });
    for (const v of model.modules.xattn.namedVariables().values()) if (v.size === 1) v.assign(tf.fill(v.shape, 0.8));
    const outs = [];
    for (const useCache of [true, false]) {
      const session = flamingoSession(model, { inputIds: [3, 5, 6, 3, 7], pixelValues: pixels(2) }, { useCache });
      outs.push((await generate(session, { maxNewTokens: 6 })).ids);
      session.dispose();
    }
    expect(outs[0]).toEqual(outs[1]);
  });
});
