import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createByteTokenizer } from '@vlm/core';
import { selectBackend } from '@vlm/connectors';
import { readSafetensorsFile } from '@vlm/connectors/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlavaModel } from '../compose/llava';
import { buildLlavaModel } from '../checkpoint/model-spec';
import { loadLlavaCheckpoint } from '../checkpoint/load-checkpoint';
import { ImageStore } from '../data/image-store';
import { loadLlavaDataset } from '../data/llava-dataset';
import { type TrainSample, prepareSamples } from '../data/prepare-samples';
import { mergeLora } from '../lora/llava-lora';
import { TINY_SPEC, writeColourDataset } from './__fixtures__/tiny-llava';
import type { StageSpecInput } from './stage';
import { type TrainStageOptions, parseStage, trainStage } from './train-stage';

beforeAll(async () => {
  await selectBackend({ force: 'wasm', log: () => {} });
});

let dir: string;
let samples: TrainSample[];
let images: ImageStore;
let base: string;
const tokenizer = createByteTokenizer();
const ALIGN: StageSpecInput = { name: 'align', template: 'vicuna_v1', systemMessage: 'Hi.', train: { connector: 1e-2 }, steps: 1, globalBatchSize: 4, warmupRatio: 0 };
const LORA: StageSpecInput = {
  name: 'instruct-lora', template: 'vicuna_v1', systemMessage: 'Hi.', train: { connector: 1e-2 },
  lora: { r: 4, alpha: 8, dropout: 0.1, targetModules: ['q_proj', 'v_proj', 'gate_proj', 'down_proj'], lr: 2e-2 },
  steps: 4, globalBatchSize: 4, maxMicroBatchSize: 2, warmupRatio: 0,
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vlm-lora-stage-'));
  const data = await writeColourDataset(dir);
  const dataset = await loadLlavaDataset(data.file, data.imageRoot);
  samples = prepareSamples(dataset.records, { tokenizer, template: 'vicuna_v1', systemMessage: 'Hi.', imageTokens: 4 });
  images = new ImageStore({ root: data.imageRoot, size: 8 });
  // Stage 0 writes the full checkpoint the LoRA stage trains on.
  const r = await trainStage(common({ model: buildLlavaModel(TINY_SPEC, 7), stage: ALIGN, stageIndex: 0, outDir: join(dir, 'run') }));
  base = r.checkpoint!;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function common(overrides: Partial<TrainStageOptions> & { model?: LlavaModel }): TrainStageOptions & { model: LlavaModel } {
  return { model: buildLlavaModel(TINY_SPEC, 7), spec: TINY_SPEC, tokenizer, tokenizerSpec: { kind: 'bytes' }, stage: LORA, stageIndex: 1, samples, images, seed: 3, ...overrides };
}

/** A fresh model holding the stage-0 weights, and the options of the LoRA stage on it. */
async function loraOptions(overrides: Partial<TrainStageOptions> & { model?: LlavaModel } = {}): Promise<TrainStageOptions & { model: LlavaModel }> {
  const { model } = await loadLlavaCheckpoint(base);
  return common({ model, loraBase: { checkpoint: base }, ...overrides });
}

async function logits(model: LlavaModel): Promise<Float32Array> {
  const pixelValues = (await images.batch(['red.png'])) as tf.Tensor4D;
  const ids = samples.find((s) => s.images.length === 1)!.inputIds;
  const out = tf.tidy(() => model.forward({ inputIds: [ids], pixelValues }).logits.dataSync() as Float32Array);
  pixelValues.dispose();
  return out;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

function bytes(v: tf.Variable): Buffer {
  return Buffer.from((v.dataSync() as Float32Array).buffer);
}

describe('LoRA stages', () => {
  it('validates the stage: LoRA alone is enough, full LM training beside LM adapters is refused with its path', () => {
    expect(parseStage({ ...LORA, train: undefined }).lora).toMatchObject({ r: 4, alpha: 8, rslora: false, visionTargetModules: [] });
    expect(() => parseStage({ ...LORA, train: { lm: 1e-4 } }, 'stages[1]')).toThrow(/stages\[1\]\.train\.lm: the LM is frozen under LoRA/);
    expect(() => parseStage({ ...LORA, lora: { lr: 1e-3, targetModules: ['qkv'] as never } }, 'stages[1]')).toThrow(/stages\[1\]\.lora\.targetModules\.0/);
    expect(() => parseStage({ ...LORA, train: {}, lora: undefined }, 'stages[1]')).toThrow(/stages\[1\]\.train: train at least one module/);
  });

  it('trains adapters and connector with the base frozen, and saves them as PEFT and LLaVA do without copying the base', async () => {
    const o = await loraOptions({ outDir: join(dir, 'run') });
    const lmBefore = new Map([...o.model.modules.lm.namedVariables()].map(([k, v]) => [k, bytes(v)]));
    const lines: string[] = [];
    const r = await trainStage({ ...o, log: (l) => lines.push(l) });
    expect(r.losses.at(-1)!).toBeLessThan(r.losses[0]!);
    for (const [k, v] of o.model.modules.lm.namedVariables()) expect(bytes(v).equals(lmBefore.get(k)!)).toBe(true);
    const table = lines.join('\n');
    expect(table).toMatch(/lora r4\s+\S+ k?\s+4 layers\s+2\.0e-2/);
    expect(table).toMatch(/LoRA saves: full fine-tuning of the adapted towers would need/);

    const files = readdirSync(r.checkpoint!).sort();
    expect(files).toEqual(['adapter_config.json', 'adapter_model.safetensors', 'checkpoint.json', 'non_lora_trainables.safetensors', 'optimizer.safetensors']);
    const config = JSON.parse(readFileSync(join(r.checkpoint!, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({
      peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 4, lora_alpha: 8, lora_dropout: 0.1, use_rslora: false, bias: 'none', fan_in_fan_out: false,
      base_model_name_or_path: '../0-align', target_modules: 'model\\.layers\\.\\d+\\.(?:self_attn|mlp)\\.(?:down_proj|gate_proj|q_proj|v_proj)',
    });
    expect(Object.keys(config)).toEqual([...Object.keys(config)].sort());
    const adapter = await readSafetensorsFile(join(r.checkpoint!, 'adapter_model.safetensors'));
    expect(adapter.metadata).toEqual({ format: 'pt' });
    expect(adapter.tensors.get('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight')?.shape).toEqual([4, 32]);
    expect(adapter.tensors.get('base_model.model.model.layers.0.mlp.down_proj.lora_B.weight')?.shape).toEqual([32, 4]);
    expect(adapter.tensors.get('base_model.model.model.layers.0.mlp.down_proj.lora_A.weight')?.shape).toEqual([4, 64]);
    expect(adapter.tensors.size).toBe(8);
    const nonLora = await readSafetensorsFile(join(r.checkpoint!, 'non_lora_trainables.safetensors'));
    expect([...nonLora.tensors.keys()].sort()).toEqual(['base_model.model.model.mm_projector.0.bias', 'base_model.model.model.mm_projector.0.weight', 'base_model.model.model.mm_projector.2.bias', 'base_model.model.model.mm_projector.2.weight']);

    // Reload (base checkpoint + adapters + projector): the same logits; merged: within 1e-5.
    const want = await logits(o.model);
    const loaded = await loadLlavaCheckpoint(r.checkpoint!);
    expect(loaded.meta.lora).toEqual({ base: { checkpoint: '../0-align' }, nonLoraModules: ['connector'] });
    expect(loaded.model.lora?.modules()).toHaveLength(4);
    expect(maxDiff(await logits(loaded.model), want)).toBe(0);
    mergeLora(loaded.model);
    expect(loaded.model.lora).toBeUndefined();
    expect(maxDiff(await logits(loaded.model), want)).toBeLessThan(1e-5);
    expect(maxDiff(await logits(loaded.model), await logits((await loadLlavaCheckpoint(base)).model))).toBeGreaterThan(1e-3);
  });

  it('resuming a LoRA run (dropout on) equals the uninterrupted run', async () => {
    const full = await trainStage(await loraOptions({ outDir: join(dir, 'full') }));
    const out = join(dir, 'resume');
    const first = await trainStage(await loraOptions({ outDir: out, stopAfterStep: 2 }));
    expect(first.losses).toEqual(full.losses.slice(0, 2));
    // A fresh process: a model with other weights; base, adapters, projector and moments come from the checkpoints.
    const model = buildLlavaModel(TINY_SPEC, 99);
    const resumed = await trainStage(common({ model, loraBase: { checkpoint: base }, outDir: out, resumeFrom: first.checkpoint }));
    expect(resumed.losses).toEqual(full.losses);
    const a = await readSafetensorsFile(join(full.checkpoint!, 'adapter_model.safetensors'));
    const b = await readSafetensorsFile(join(resumed.checkpoint!, 'adapter_model.safetensors'));
    for (const [k, t] of a.tensors) expect(Array.from(b.tensors.get(k)!.data as Float32Array)).toEqual(Array.from(t.data as Float32Array));
    expect(existsSync(join(resumed.checkpoint!, 'model.safetensors'))).toBe(false);
  });

  it('loads a saved PEFT adapter onto the base and trains it further (lora.from)', async () => {
    const first = await trainStage(await loraOptions({ outDir: join(dir, 'first'), stopAfterStep: 2 }));
    const o = await loraOptions({ stage: { ...LORA, name: 'more', lora: { lr: 1e-2, from: first.checkpoint } }, stageIndex: 2, outDir: join(dir, 'more') });
    const lines: string[] = [];
    const r = await trainStage({ ...o, log: (l) => lines.push(l) });
    expect(lines[0]).toMatch(/^LoRA adapters loaded from .*first.* \(r 4, alpha 8, 4 layers; connector from non_lora_trainables\.safetensors\)$/);
    // The continued run starts where the first one stopped (adapters and projector loaded): below its first loss.
    expect(r.losses[0]).toBeLessThan(first.losses[0]!);
    expect(r.losses.at(-1)!).toBeLessThan(r.losses[0]!);
    const config = JSON.parse(readFileSync(join(r.checkpoint!, 'adapter_config.json'), 'utf8')) as { r: number; lora_dropout: number };
    expect(config).toMatchObject({ r: 4, lora_dropout: 0.1 });
  });

  it('refuses to save a LoRA stage whose base is unknown', async () => {
    await expect(trainStage(common({ outDir: join(dir, 'nobase') }))).rejects.toMatchObject({ code: 'lora_base_unknown' });
  });
});
