import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@vlm/core';
import { floatToHalf, halfToFloat, writeSafetensors } from '@vlm/connectors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../testing/backend';
import { type RefLlamaConfig, type StateDict, randomLlamaStateDict, refLlamaLogits } from '../testing/reference-llama';
import { loadLlama } from '../weights/pretrained';
import { LlamaModel } from './llama';

const config: RefLlamaConfig = {
  vocab_size: 13,
  hidden_size: 16,
  intermediate_size: 24,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  tie_word_embeddings: false,
};
const hfConfig = { ...config, model_type: 'llama', hidden_act: 'silu', max_position_embeddings: 64 };

let dir: string;
beforeAll(async () => {
  await useCpuBackend();
  dir = await mkdtemp(join(tmpdir(), 'vlm-train-llama-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeCheckpoint(name: string, cfg: object, sd: StateDict, dtype: 'F32' | 'F16' = 'F32'): Promise<string> {
  const d = join(dir, name);
  await import('node:fs/promises').then((fs) => fs.mkdir(d, { recursive: true }));
  await writeFile(join(d, 'config.json'), JSON.stringify(cfg));
  const entries = [...sd].map(([k, v]) => [k, { ...v, dtype }] as const);
  await writeFile(join(d, 'model.safetensors'), writeSafetensors(new Map(entries)));
  return d;
}

function logitsOf(model: LlamaModel, ids: number[][]): number[][][] {
  return tf.tidy(() => model.forward({ inputIds: tf.tensor2d(ids, undefined, 'int32') }).logits.arraySync());
}

function maxDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((row, i) => row.forEach((v, j) => (m = Math.max(m, Math.abs(v - (b[i]?.[j] ?? NaN))))));
  return m;
}

describe('LlamaModel', () => {
  const ids = [1, 5, 2, 12, 0, 7];

  it('loads a HF checkpoint (GQA, untied) and matches the plain reference logits', async () => {
    const sd = randomLlamaStateDict(config, createRng(1));
    const model = await loadLlama(await writeCheckpoint('gqa', hfConfig, sd));
    const ours = logitsOf(model, [ids])[0] as number[][];
    expect(maxDiff(ours, refLlamaLogits(config, sd, ids))).toBeLessThan(1e-4);
    model.params.dispose();
  });

  it('loads sharded F16 checkpoints with tied embeddings, widened to F32', async () => {
    const cfg = { ...config, num_key_value_heads: 4, tie_word_embeddings: true };
    const sd = randomLlamaStateDict(cfg, createRng(2));
    for (const t of sd.values()) t.data = t.data.map((v) => halfToFloat(floatToHalf(v)));
    const d = join(dir, 'sharded');
    await import('node:fs/promises').then((fs) => fs.mkdir(d, { recursive: true }));
    await writeFile(join(d, 'config.json'), JSON.stringify({ ...hfConfig, ...cfg }));
    const names = [...sd.keys()];
    const shards = [names.slice(0, 7), names.slice(7)];
    const weightMap: Record<string, string> = {};
    for (const [i, shard] of shards.entries()) {
      const file = `model-0000${i + 1}-of-00002.safetensors`;
      for (const n of shard) weightMap[n] = file;
      await writeFile(join(d, file), writeSafetensors(new Map(shard.map((n) => [n, { ...sd.get(n)!, dtype: 'F16' as const }]))));
    }
    await writeFile(join(d, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    const model = await loadLlama(d);
    expect(model.params.has('lm_head.weight')).toBe(false);
    const ours = logitsOf(model, [ids])[0] as number[][];
    expect(maxDiff(ours, refLlamaLogits(cfg, sd, ids))).toBeLessThan(1e-4);
    model.params.dispose();
  });

  it('loads BF16 weights (hand-written safetensors) widened to F32', async () => {
    const cfg = { ...config, tie_word_embeddings: true };
    const sd = randomLlamaStateDict(cfg, createRng(12));
    // BF16 = the top 16 bits of an F32; the reference runs on exactly the widened values.
    const header: Record<string, unknown> = {};
    const chunks: Uint8Array[] = [];
    let offset = 0;
    for (const [name, t] of sd) {
      const u32 = new Uint32Array(t.data.buffer.slice(0));
      const bf = new Uint16Array(u32.length);
      u32.forEach((v, i) => (bf[i] = v >>> 16));
      const widened = new Uint32Array(bf.length);
      bf.forEach((v, i) => (widened[i] = v << 16));
      t.data = new Float32Array(widened.buffer);
      header[name] = { dtype: 'BF16', shape: t.shape, data_offsets: [offset, offset + bf.byteLength] };
      chunks.push(new Uint8Array(bf.buffer));
      offset += bf.byteLength;
    }
    let json = JSON.stringify(header);
    json += ' '.repeat((8 - (json.length % 8)) % 8);
    const bytes = new Uint8Array(8 + json.length + offset);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
    bytes.set(new TextEncoder().encode(json), 8);
    let pos = 8 + json.length;
    for (const c of chunks) {
      bytes.set(c, pos);
      pos += c.length;
    }
    const d = join(dir, 'bf16');
    await import('node:fs/promises').then((fs) => fs.mkdir(d, { recursive: true }));
    await writeFile(join(d, 'config.json'), JSON.stringify({ ...hfConfig, ...cfg, torch_dtype: 'bfloat16' }));
    await writeFile(join(d, 'model.safetensors'), bytes);
    const model = await loadLlama(d);
    expect(maxDiff(logitsOf(model, [ids])[0] as number[][], refLlamaLogits(cfg, sd, ids))).toBeLessThan(1e-4);
    model.params.dispose();
  });

  it('names the missing tensor and the file when a checkpoint is incomplete', async () => {
    const sd = randomLlamaStateDict(config, createRng(3));
    sd.delete('model.layers.1.mlp.up_proj.weight');
    const d = await writeCheckpoint('broken', hfConfig, sd);
    await expect(loadLlama(d)).rejects.toThrow(/model\.layers\.1\.mlp\.up_proj\.weight/);
  });

  it('left and right padding give the same logits on real tokens', () => {
    const model = new LlamaModel({ ...camel(), numKeyValueHeads: 2 }, createRng(4));
    const real = [3, 4, 5];
    const out = tf.tidy(() => {
      const right = model.forward({ inputIds: tf.tensor2d([[...real, 0, 0]], undefined, 'int32'), attentionMask: tf.tensor2d([[1, 1, 1, 0, 0]], undefined, 'int32') });
      const left = model.forward({ inputIds: tf.tensor2d([[0, 0, ...real]], undefined, 'int32'), attentionMask: tf.tensor2d([[0, 0, 1, 1, 1]], undefined, 'int32') });
      return [tf.slice(right.logits, [0, 0, 0], [1, 3, 13]).arraySync(), tf.slice(left.logits, [0, 2, 0], [1, 3, 13]).arraySync()];
    });
    expect(maxDiff((out[0] as number[][][])[0]!, (out[1] as number[][][])[0]!)).toBeLessThan(1e-5);
    model.params.dispose();
  });

  it('returns hidden states and accepts inputs_embeds', () => {
    const model = new LlamaModel(camel(), createRng(5));
    tf.tidy(() => {
      const idsT = tf.tensor2d([ids], undefined, 'int32');
      const a = model.forward({ inputIds: idsT, outputHiddenStates: true });
      const b = model.forward({ inputsEmbeds: model.embedTokens(idsT) });
      expect(a.hiddenStates).toHaveLength(3);
      expect(tf.max(tf.abs(tf.sub(a.logits, b.logits))).arraySync()).toBe(0);
    });
    model.params.dispose();
  });

  it('a small config trains from scratch (loss goes down)', () => {
    const model = new LlamaModel(camel(), createRng(6));
    const opt = tf.train.adam(0.02);
    const x = tf.tensor2d([[1, 2, 3, 4, 5, 6, 7, 8]], undefined, 'int32');
    const y = tf.tensor1d([2, 3, 4, 5, 6, 7, 8, 9], 'int32');
    const lossFn = () => tf.losses.softmaxCrossEntropy(tf.oneHot(y, 13), tf.reshape(model.forward({ inputIds: x }).logits, [8, 13])) as tf.Scalar;
    const first = tf.tidy(() => lossFn().arraySync());
    for (let i = 0; i < 25; i++) tf.tidy(() => {
      opt.minimize(lossFn, false, model.params.variables());
    });
    const last = tf.tidy(() => lossFn().arraySync());
    expect(last).toBeLessThan(first * 0.5);
    model.params.dispose();
  });
});

function camel() {
  return {
    vocabSize: 13, hiddenSize: 16, intermediateSize: 24, numHiddenLayers: 2, numAttentionHeads: 4,
    numKeyValueHeads: 4, maxPositionEmbeddings: 64, rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: false,
  };
}
