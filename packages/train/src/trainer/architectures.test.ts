import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createByteTokenizer, createRng } from '@vlm/core';
import { selectBackend } from '@vlm/connectors';
import { readSafetensorsFile } from '@vlm/connectors/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer } from '../checkpoint/chat';
import { loadCheckpoint } from '../checkpoint/load-checkpoint';
import { buildModel, imageTokensOf, type ModelSpec } from '../checkpoint/model-spec';
import { clipVisionConfigToHf, llamaConfigToHf } from '../models/hf-config';
import { ImageStore } from '../data/image-store';
import { loadLlavaDataset } from '../data/llava-dataset';
import { type TrainSample, prepareSamples } from '../data/prepare-samples';
import { TINY_SPEC, writeColourDataset } from './__fixtures__/tiny-llava';
import { lmBatchLoss } from './batch-loss';
import { qformerStageLoss } from './qformer-stage-loss';
import { runTraining } from './run-training';
import type { StageSpecInput } from './stage';
import { parseTrainConfig } from './train-config';
import { trainStage } from './train-stage';

// wasm single-threaded: bit-reproducible, and faster than the cpu backend.
beforeAll(async () => {
  await selectBackend({ force: 'wasm', log: () => {} });
});

let dir: string;
let data: Awaited<ReturnType<typeof writeColourDataset>>;
let captionsFile: string;
const tokenizer = createByteTokenizer();
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vlm-arch-'));
  data = await writeColourDataset(dir);
  // Image-caption pairs for BLIP-2 stage 1 (the plain template's caption is the first answer).
  captionsFile = join(dir, 'captions.json');
  writeFileSync(captionsFile, JSON.stringify(data.records.filter((r) => r.image).map((r) => ({ ...r, conversations: [{ from: 'human', value: '<image>' }, { from: 'gpt', value: `a ${r.id} square` }] }))));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LM = { ...TINY_SPEC.lm, vocabSize: 276 };
const tiny = { depth: 1, heads: 2, dimHead: 8, numLatents: 4 };
const QFORMER = { type: 'qformer', hiddenSize: 16, numLayers: 2, numHeads: 2, intermediateSize: 32, numQueries: 4, dropout: 0 };
const instruct = (train: Record<string, number>): StageSpecInput & { data: { path: string; imageRoot: string } } => ({
  name: 'instruct', template: 'vicuna_v1', systemMessage: 'Hi.', train, steps: 8, globalBatchSize: 4, maxMicroBatchSize: 2, warmupRatio: 0, data: { path: 'data.json', imageRoot: 'images' },
});

interface Case {
  architecture: 'llava' | 'blip2' | 'flamingo';
  model: Record<string, unknown>;
  stages: ReturnType<typeof instruct>[] | (StageSpecInput & { data: { path: string } })[];
  keys: string[];
}

const cases: Case[] = [
  // A resampler as a LLaVA connector: 4 latents projected to the LM width, spliced at <image>.
  { architecture: 'llava', model: { connector: { type: 'perceiver', ...tiny } }, stages: [instruct({ connector: 1e-2, lm: 1e-2 })], keys: ['perceiver.latents', 'language_projection.weight', 'model.layers.0.self_attn.q_proj.weight'] },
  {
    architecture: 'blip2',
    model: { architecture: 'blip2', connector: QFORMER, qformerText: { maxLength: 24, embedDim: 8 } },
    stages: [
      { name: 'qformer', kind: 'qformer', template: 'plain', train: { qformer: 1e-2 }, steps: 4, globalBatchSize: 3, maxMicroBatchSize: 3, warmupRatio: 0, data: { path: 'captions.json', imageRoot: 'images' } } as never,
      instruct({ qformer: 1e-2, connector: 1e-2 }),
    ],
    keys: ['query_tokens', 'qformer.encoder.layer.0.crossattention.attention.key.weight', 'qformer.encoder.layer.1.output.dense.weight', 'language_projection.weight', 'language_model.model.layers.0.self_attn.q_proj.weight', 'vision_model.post_layernorm.weight', 'itm_head.weight', 'temp', 'embeddings.word_embeddings.weight'],
  },
  {
    architecture: 'flamingo',
    model: { architecture: 'flamingo', connector: { type: 'perceiver', ...tiny }, crossAttention: { every: 1, heads: 2, dimHead: 8 } },
    stages: [instruct({ resampler: 1e-2, xattn: 1e-2 })],
    keys: ['perceiver.latents', 'lang_encoder.model.layers.0.gated_cross_attn_layer.attn_gate', 'lang_encoder.model.layers.0.gated_cross_attn_layer.attn.to_kv.weight', 'lang_encoder.model.layers.0.decoder_layer.self_attn.q_proj.weight', 'lang_encoder.model.embed_tokens.weight', 'vision_encoder.vision_model.post_layernorm.weight'],
  },
];

function configOf(c: Case, output: string) {
  return parseTrainConfig({
    seed: 4,
    output,
    model: { lm: { config: llamaConfigToHf(LM) }, vision: { config: clipVisionConfigToHf(TINY_SPEC.vision) }, ...c.model },
    tokenizer: { kind: 'bytes' },
    stages: c.stages,
  });
}

async function samplesFor(spec: ModelSpec): Promise<{ samples: TrainSample[]; images: ImageStore }> {
  const dataset = await loadLlavaDataset(data.file, data.imageRoot);
  const samples = prepareSamples(dataset.records, { tokenizer, template: 'vicuna_v1', systemMessage: 'Hi.', imageTokens: imageTokensOf(spec) });
  return { samples, images: new ImageStore({ root: data.imageRoot, size: 8 }) };
}

describe.each(cases)('$architecture trains end to end', (c) => {
  it('runTraining lowers the loss; the checkpoint records the architecture, upstream names, and reloads to identical outputs; chat answers', async () => {
    const out = join(dir, `run-${c.architecture}`);
    const result = await runTraining(configOf(c, out), { baseDir: dir });
    const last = result.stages.at(-1)!;
    expect(last.losses.at(-1)!).toBeLessThan(last.losses[0]!);
    if (c.architecture === 'blip2') expect(result.stages[0]!.losses.at(-1)!).toBeLessThan(result.stages[0]!.losses[0]!);

    const loaded = await loadCheckpoint(last.checkpoint!);
    expect(loaded.meta.model.architecture).toBe(c.architecture);
    expect(loaded.model.architecture).toBe(c.architecture);
    const keys = [...(await readSafetensorsFile(join(last.checkpoint!, 'model.safetensors'))).tensors.keys()];
    expect(keys).toEqual(expect.arrayContaining(c.keys));

    const { samples, images } = await samplesFor(result.spec);
    const pixels = (await images.batch(samples.flatMap((s) => s.images))) as tf.Tensor4D;
    const lossOf = (m: typeof result.model) => tf.tidy(() => lmBatchLoss(m, samples, { pixels }, 10, false).dataSync()[0]);
    expect(lossOf(loaded.model)).toBe(lossOf(result.model));
    if (c.architecture === 'blip2' && result.model.architecture === 'blip2' && loaded.model.architecture === 'blip2') {
      const caps = [[97, 98], [99], [100, 101, 102]];
      const f1 = result.model.vision.features(tf.slice(pixels, [0, 0, 0, 0], [3, -1, -1, -1]) as tf.Tensor4D, result.model.featureSelection);
      const s1 = qformerStageLoss(result.model, caps, f1, createRng(1), false).loss.dataSync()[0];
      const s2 = qformerStageLoss(loaded.model, caps, f1, createRng(1), false).loss.dataSync()[0];
      expect(s2).toBe(s1);
    }

    const chat = { model: loaded.model, tokenizer: loaded.tokenizer, template: loaded.meta.template, systemMessage: loaded.meta.systemMessage };
    const image = tf.slice(pixels, [0, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
    const reply = await answer(chat, [{ from: 'human', value: '<image>\nColour?' }], { pixelValues: image, maxNewTokens: 4 });
    const again = await answer({ ...chat, model: result.model }, [{ from: 'human', value: '<image>\nColour?' }], { pixelValues: image, maxNewTokens: 4 });
    expect(typeof reply).toBe('string');
    expect(reply).toBe(again);
    expect(typeof (await answer(chat, [{ from: 'human', value: 'Shapes?' }], { maxNewTokens: 2 }))).toBe('string');
    pixels.dispose();
  });

  it('resuming a stage from its checkpoint equals the uninterrupted run', async () => {
    const config = configOf(c, join(dir, `resume-${c.architecture}`));
    const spec = specOf(c);
    const stage = config.stages.at(-1)!;
    const { data: _d, ...rest } = stage;
    const stageSpec = { ...rest, steps: 4 };
    const { samples, images } = await samplesFor(spec);
    const base = { spec, tokenizer, tokenizerSpec: { kind: 'bytes' as const }, stage: stageSpec, stageIndex: 0, samples, images, seed: 4 };
    const full = await trainStage({ ...base, model: buildModel(spec, 4) });
    const out = join(dir, `resume-${c.architecture}-parts`);
    await trainStage({ ...base, model: buildModel(spec, 4), outDir: out, stopAfterStep: 2 });
    const resumed = await trainStage({ ...base, model: buildModel(spec, 99), outDir: out, resumeFrom: join(out, 'checkpoints', `0-${stage.name}`) });
    expect(resumed.losses).toEqual(full.losses);
  });
});

function specOf(c: Case): ModelSpec {
  const widths = { visionWidth: TINY_SPEC.vision.hiddenSize, lmWidth: LM.hiddenSize };
  const connector = c.model.connector as Record<string, unknown>;
  if (c.architecture === 'flamingo') return { architecture: 'flamingo', lm: LM, vision: TINY_SPEC.vision, connector: { dim: widths.visionWidth, ...connector } as never, crossAttention: { every: 1, heads: 2, dimHead: 8, mediaTokenId: tokenizer.vocabSize } };
  if (c.architecture === 'blip2') return { architecture: 'blip2', lm: LM, vision: TINY_SPEC.vision, connector: { encoderWidth: widths.visionWidth, outputDim: widths.lmWidth, ...connector } as never };
  return { lm: LM, vision: TINY_SPEC.vision, connector: { dim: widths.visionWidth, outputDim: widths.lmWidth, ...connector } as never };
}

describe('flamingo at initialisation', () => {
  it('with every gate at 0 the model (resampler and cross-attention in place) equals the text-only LM bit for bit', async () => {
    const spec = specOf(cases[2]!);
    const model = buildModel(spec, 11);
    if (model.architecture !== 'flamingo') throw new Error('expected flamingo');
    const img = tokenizer.vocabSize;
    const ids = tf.tensor2d([[1, img, 72, 105, img, 33]], undefined, 'int32');
    const pixels = tf.randomUniform([2, 3, 8, 8], -1, 1, 'float32', 3) as tf.Tensor4D;
    const withImages = model.forward({ inputIds: ids, pixelValues: pixels, imagesPerSample: 2 }).logits.dataSync();
    const textOnly = model.lm.forward({ inputIds: ids }).logits.dataSync();
    expect(Buffer.from(withImages.buffer).equals(Buffer.from(textOnly.buffer))).toBe(true);
  });
});
