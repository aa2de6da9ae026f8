import type { VisionLanguageModel } from '../../compose/vision-language-model';
// Test-only: a tiny LLaVA with a real BPE tokenizer.json, saved as a vlm-train checkpoint, and its logits.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { IMAGE_TOKEN_INDEX, trainBpeTokenizer } from '@vlm/core';
import type { LlavaModel } from '../../compose/llava';
import { type LoadedCheckpoint, loadCheckpoint } from '../../checkpoint/load-checkpoint';
import { type LlavaModelSpec, buildLlavaModel, modelSpecToJson } from '../../checkpoint/model-spec';
import { saveCheckpoint } from '../../checkpoint/save-checkpoint';

const TEXT = ['A chat between a curious user and an artificial intelligence assistant.', 'USER: What colour is the circle? ASSISTANT: The circle is red.', 'How many squares are there? Two squares, one blue and one green.'];

/** A tiny spec: CLIP 16x16 input with 4x4 patches (16 image tokens), a 2-layer GQA LLaMA, mlp2x_gelu. */
export function tinySpec(vocabSize: number, tied = false): LlavaModelSpec {
  return {
    vision: { hiddenSize: 16, intermediateSize: 32, numHiddenLayers: 3, numAttentionHeads: 2, imageSize: 16, patchSize: 4, numChannels: 3, layerNormEps: 1e-5, hiddenAct: 'quick_gelu', initializerRange: 0.2 },
    lm: { vocabSize, hiddenSize: 32, intermediateSize: 48, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2, maxPositionEmbeddings: 128, rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: tied, initializerRange: 0.2, bosTokenId: 1, eosTokenId: 2 },
    connector: { type: 'mlp2x_gelu', inputDim: 16, outputDim: 32 },
    featureSelection: { layer: -2, select: 'patch' },
    image: { mode: 'crop', mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711] },
  };
}

/** Writes a tiny LLaVA checkpoint (random weights from `seed`, BPE tokenizer.json) into `dir` and loads it back. */
export async function tinyCheckpoint(dir: string, seed = 7, options: { tied?: boolean; template?: string } = {}): Promise<LoadedCheckpoint> {
  mkdirSync(dir, { recursive: true });
  const tokenizerJson = trainBpeTokenizer(TEXT, { vocabSize: 300 });
  const tokenizerFile = join(dir, 'source-tokenizer.json');
  writeFileSync(tokenizerFile, JSON.stringify(tokenizerJson));
  const spec = tinySpec(300, options.tied);
  const model = buildLlavaModel(spec, seed);
  const ckpt = join(dir, 'checkpoint');
  await saveCheckpoint(ckpt, {
    model,
    tokenizerFile,
    meta: {
      model: modelSpecToJson(spec),
      tokenizer: { kind: 'hf', file: 'tokenizer.json', name: 'bpe-300', vocabSize: 300 },
      template: options.template ?? 'vicuna_v1',
      seed,
      stage: { index: 1, name: 'finetune', spec: {} },
      step: 0,
      totalSteps: 0,
      dataPosition: { epoch: 0, batch: 0 },
      losses: [],
    },
  });
  model.lm.params.dispose();
  model.vision.params.dispose();
  return loadCheckpoint(ckpt);
}

/** Seeded pixels `[1, 3, size, size]` (already normalised, as a processor would give). */
export function testPixels(size: number, seed = 3): Float32Array {
  const out = new Float32Array(3 * size * size);
  let s = seed;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = (s / 4294967296) * 4 - 2;
  }
  return out;
}

/** Logits `[seq, vocab]` of one sequence with one -200 image placeholder. */
export function llavaLogits(anyModel: VisionLanguageModel, ids: readonly number[], pixels: Float32Array, size: number): number[][] {
  if (anyModel.architecture !== 'llava') throw new Error('expected a llava model');
  const model: LlavaModel = anyModel;
  return tf.tidy(() => {
    const out = model.forward({ inputIds: [ids], pixelValues: tf.tensor4d(pixels, [1, 3, size, size]) });
    return (out.logits.arraySync() as number[][][])[0] as number[][];
  });
}

/** A prompt with the image placeholder: BOS, some text, -200, more text. */
export const TEST_IDS = [1, 40, 41, IMAGE_TOKEN_INDEX, 50, 60, 70, 80, 90];
