import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, VlmError } from '@vlm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createConnector } from '../connectors/create-connector';
import { GatedCrossAttentionBlock } from '../connectors/gated-cross-attention';
import { QFormer } from '../connectors/q-former';
import { readSafetensors } from '../safetensors/read-safetensors';
import { readSafetensorsFile } from '../safetensors/safetensors-files';
import { writeSafetensors } from '../safetensors/write-safetensors';
import { seededTensor } from '../testing/grad-check';
import { loadModuleStateDict, moduleStateDict } from './module-state-dict';
import { loadModuleWeights, saveModuleWeights } from './module-weights-files';

const dir = mkdtempSync(join(tmpdir(), 'vlm-sd-'));
const same = (a: tf.Tensor, b: tf.Tensor) => expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBe(0);

function mismatch(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(VlmError);
    expect((error as VlmError).code).toBe('weights.mismatch');
    return (error as VlmError).message;
  }
  throw new Error('expected a mismatch');
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('state dicts with upstream names', () => {
  it('LLaVA mlp2x uses model.mm_projector.{0,2} with PyTorch [out, in] weights', () => {
    const p = createConnector({ type: 'mlp2x_gelu', inputDim: 3, outputDim: 4 }, createRng(1));
    const sd = moduleStateDict(p, { format: 'llava' });
    expect([...sd.keys()]).toEqual(['model.mm_projector.0.weight', 'model.mm_projector.0.bias', 'model.mm_projector.2.weight', 'model.mm_projector.2.bias']);
    expect(sd.get('model.mm_projector.0.weight')!.shape).toEqual([4, 3]);
    // W[out=1, in=2] upstream is kernel[in=2, out=1] here.
    const kernel = p.weights().get('linear_1.kernel')!.arraySync() as number[][];
    expect(sd.get('model.mm_projector.0.weight')!.data[1 * 3 + 2]).toBe(kernel[2]![1]);
    const lin = createConnector({ type: 'linear', inputDim: 3, outputDim: 4 }, createRng(1));
    expect([...moduleStateDict(lin, { format: 'llava' }).keys()]).toEqual(['model.mm_projector.weight', 'model.mm_projector.bias']);
    expect([...moduleStateDict(p, { format: 'hf' }).keys()]).toEqual(['multi_modal_projector.linear_1.weight', 'multi_modal_projector.linear_1.bias', 'multi_modal_projector.linear_2.weight', 'multi_modal_projector.linear_2.bias']);
  });

  it('round-trips a projector through a safetensors file (LLaVA and HF names)', async () => {
    for (const format of ['llava', 'hf'] as const) {
      const a = createConnector({ type: 'mlp2x_gelu', inputDim: 6, outputDim: 5 }, createRng(2));
      const b = createConnector({ type: 'mlp2x_gelu', inputDim: 6, outputDim: 5 }, createRng(3));
      const path = join(dir, `proj-${format}.safetensors`);
      await saveModuleWeights(a, path, { format });
      const x = seededTensor([1, 4, 6], 4);
      expect(tf.max(tf.abs(tf.sub(a.apply(x), b.apply(x)))).dataSync()[0]).toBeGreaterThan(0);
      await loadModuleWeights(b, path, { format });
      same(a.apply(x), b.apply(x));
      expect((await readSafetensorsFile(path)).metadata).toEqual({ format: 'pt' });
    }
  });

  it('round-trips a Q-Former with HF BLIP-2 names', () => {
    const cfg = { type: 'qformer', hiddenSize: 16, numLayers: 2, numHeads: 2, intermediateSize: 32, encoderWidth: 12, numQueries: 4, outputDim: 20 } as const;
    const a = new QFormer(cfg).build(createRng(5));
    const bytes = writeSafetensors(moduleStateDict(a));
    const file = readSafetensors(bytes);
    expect(file.tensors.get('qformer.encoder.layer.0.crossattention.attention.key.weight')!.shape).toEqual([16, 12]);
    expect(file.tensors.get('query_tokens')!.shape).toEqual([1, 4, 16]);
    expect(file.tensors.has('language_projection.weight')).toBe(true);
    expect(file.tensors.has('qformer.encoder.layer.1.crossattention.attention.key.weight')).toBe(false);
    expect(file.tensors.has('qformer.encoder.layer.1.output_query.LayerNorm.weight')).toBe(true);
    const b = new QFormer(cfg).build(createRng(6));
    loadModuleStateDict(b, file);
    const x = seededTensor([1, 3, 12], 7);
    same(a.apply(x), b.apply(x));
  });

  it('round-trips Perceiver and gated blocks with OpenFlamingo names', () => {
    const pa = createConnector({ type: 'perceiver', dim: 8, depth: 2, heads: 2, dimHead: 4, numLatents: 3 }, createRng(8));
    const psd = moduleStateDict(pa, { format: 'open-flamingo' });
    expect(psd.get('perceiver.layers.1.0.to_kv.weight')!.shape).toEqual([16, 8]);
    expect(psd.has('perceiver.layers.0.1.3.weight')).toBe(true);
    expect(psd.has('perceiver.norm.weight')).toBe(true);
    const pb = createConnector({ type: 'perceiver', dim: 8, depth: 2, heads: 2, dimHead: 4, numLatents: 3 }, createRng(9));
    loadModuleStateDict(pb, readSafetensors(writeSafetensors(psd)), { format: 'open-flamingo' });
    const m = seededTensor([1, 2, 5, 8], 10);
    same(pa.apply(m), pb.apply(m));

    const ga = new GatedCrossAttentionBlock({ dim: 8, dimVisual: 6, heads: 2, dimHead: 4 }).build(createRng(11));
    ga.weights().get('attn_gate')!.assign(tf.tensor1d([0.3]));
    const prefix = 'lang_encoder.model.decoder.layers.3.';
    const names = ga.upstreamNameMap('open-flamingo', prefix).map((e) => e.upstream);
    expect(names).toContain('lang_encoder.model.decoder.layers.3.gated_cross_attn_layer.attn.to_kv.weight');
    expect(names).toContain('lang_encoder.model.decoder.layers.3.gated_cross_attn_layer.ff.3.weight');
    expect(moduleStateDict(ga, { format: 'open-flamingo' }).get('gated_cross_attn_layer.attn_gate')!.shape).toEqual([1]);
  });

  it('reports missing, unexpected and mis-shaped tensors and changes nothing', () => {
    const p = createConnector({ type: 'mlp2x_gelu', inputDim: 3, outputDim: 4 }, createRng(12));
    const before = p.weights().get('linear_1.bias')!.dataSync().slice();
    const sd = moduleStateDict(p, { format: 'llava' });
    const read = readSafetensors(writeSafetensors(sd));
    const tensors = new Map(read.tensors);
    const file = { ...read, tensors };
    tensors.delete('model.mm_projector.2.bias');
    tensors.set('model.embed_tokens.weight', { dtype: 'F32', shape: [1], data: new Float32Array(1) });
    tensors.set('model.mm_projector.0.weight', { dtype: 'F32', shape: [3, 4], data: new Float32Array(12) });
    tensors.set('model.mm_projector.0.bias', { dtype: 'F32', shape: [4], data: new Float32Array([9, 9, 9, 9]) });
    const message = mismatch(() => loadModuleStateDict(p, file, { format: 'llava' }));
    expect(message).toContain('missing: model.mm_projector.2.bias');
    expect(message).toContain('unexpected: model.embed_tokens.weight');
    expect(message).toContain('model.mm_projector.0.weight is [3,4], expected [4,3]');
    expect(p.weights().get('linear_1.bias')!.dataSync()).toEqual(before);
    // A whole checkpoint may hold more than the projector.
    tensors.set('model.mm_projector.0.weight', { dtype: 'F32', shape: [4, 3], data: Float32Array.from(sd.get('model.mm_projector.0.weight')!.data as ArrayLike<number>) });
    loadModuleStateDict(p, file, { format: 'llava', allowUnexpected: true, allowMissing: true });
    expect([...p.weights().get('linear_1.bias')!.dataSync()]).toEqual([9, 9, 9, 9]);
  });
});
