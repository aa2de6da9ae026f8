import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '@vlm/connectors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../checkpoint/load-checkpoint';
import { useCpuBackend } from '../testing/backend';
import { TEST_IDS, llavaLogits, testPixels, tinyCheckpoint } from './__fixtures__/tiny-llava-checkpoint';
import { hfChatTemplate } from './chat-template';
import { exportHfLlava } from './export-hf-llava';
import { loadHfLlava } from './load-hf-llava';

let root: string;
beforeAll(async () => {
  await useCpuBackend();
  root = mkdtempSync(join(tmpdir(), 'vlm-hf-llava-'));
});
afterAll(() => {});

function maxDiff(a: number[][], b: number[][], columns: number): number {
  let m = 0;
  a.forEach((row, i) => row.slice(0, columns).forEach((v, j) => (m = Math.max(m, Math.abs(v - (b[i]?.[j] ?? Number.NaN))))));
  return m;
}

describe('Hugging Face LLaVA folders', () => {
  it('export -> import gives identical logits, in the on-disk and the 4.52 in-memory naming', async () => {
    const ckpt = await tinyCheckpoint(join(root, 'a'));
    const pixels = testPixels(16);
    const ours = llavaLogits(ckpt.model, TEST_IDS, pixels, 16);
    const out = join(root, 'a-hf');
    const result = await exportHfLlava(ckpt, out);
    expect(result.addedImageToken).toBe(true);
    expect(result.imageTokenIndex).toBe(300);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model_type: 'llava', image_token_index: 300, image_seq_length: 16, projector_hidden_act: 'gelu', vision_feature_layer: -2, vision_feature_select_strategy: 'default', text_config: { model_type: 'llama', vocab_size: 301 }, vision_config: { model_type: 'clip_vision_model', image_size: 16, patch_size: 4 } });
    const keys = readSafetensors(readFileSync(join(out, 'model.safetensors'))).entries.map((e) => e.name);
    expect(keys).toContain('language_model.model.embed_tokens.weight');
    expect(keys).toContain('language_model.lm_head.weight');
    expect(keys).toContain('vision_tower.vision_model.encoder.layers.0.self_attn.q_proj.weight');
    expect(keys).toContain('multi_modal_projector.linear_2.bias');
    const tokenizer = JSON.parse(readFileSync(join(out, 'tokenizer.json'), 'utf8'));
    expect(tokenizer.added_tokens).toContainEqual(expect.objectContaining({ id: 300, content: '<image>', special: true }));

    const back = await loadCheckpoint(out); // a HF folder loads through the same entry point
    expect(back.meta.template).toBe('vicuna_v1');
    expect(back.spec.lm.vocabSize).toBe(301);
    expect(back.tokenizer.tokenToId('<image>')).toBe(300);
    expect(maxDiff(llavaLogits(back.model, TEST_IDS, pixels, 16), ours, 300)).toBe(0);

    // transformers 4.52's in-memory names (written to disk by 4.52.0-4.52.3)
    const file = readSafetensors(readFileSync(join(out, 'model.safetensors')));
    const renamed = new Map([...file.tensors].map(([k, t]) => {
      const key = k.startsWith('language_model.lm_head.') ? k.slice('language_model.'.length) : k.startsWith('language_model.model.') ? `model.language_model.${k.slice('language_model.model.'.length)}` : `model.${k}`;
      return [key, { shape: t.shape, data: t.data as Float32Array }];
    }));
    writeFileSync(join(out, 'model.safetensors'), writeSafetensors(renamed, { format: 'pt' }));
    const memory = await loadHfLlava(out);
    expect(maxDiff(llavaLogits(memory.model, TEST_IDS, pixels, 16), ours, 300)).toBe(0);
  });

  it('exports sharded BF16 with an index, loads it back, and never overwrites without force', async () => {
    const ckpt = await tinyCheckpoint(join(root, 'b'), 11, { tied: true });
    const pixels = testPixels(16, 5);
    const ours = llavaLogits(ckpt.model, TEST_IDS, pixels, 16);
    const out = join(root, 'b-hf');
    await exportHfLlava(ckpt, out, { dtype: 'BF16', maxShardBytes: 20_000 });
    const shards = readdirSync(out).filter((f) => /^model-\d{5}-of-\d{5}\.safetensors$/.test(f));
    expect(shards.length).toBeGreaterThan(1);
    const index = JSON.parse(readFileSync(join(out, 'model.safetensors.index.json'), 'utf8'));
    expect(Object.keys(index.weight_map)).not.toContain('language_model.lm_head.weight'); // tied
    const back = await loadHfLlava(out);
    const diff = maxDiff(llavaLogits(back.model, TEST_IDS, pixels, 16), ours, 300);
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(0.1);
    await expect(exportHfLlava(ckpt, out)).rejects.toMatchObject({ code: 'output_exists' });
    await exportHfLlava(ckpt, out, { force: true });
    expect(readdirSync(out)).toContain('model.safetensors');
  });

  it('writes a chat template that reproduces the conversation template', () => {
    const two = hfChatTemplate('vicuna_v1')!;
    expect(two).toContain('USER');
    expect(hfChatTemplate('llava_llama_2')).toBeUndefined();
  });
});
