import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderScenePng } from '@vlm/datagen';
import { type LlavaModel } from '@vlm/train';
import { loadCheckpoint, preprocessImages } from '@vlm/train/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { commands } from './index';
import type { CommandIo } from './io';

function capture(): CommandIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (t) => lines.push(t), err: (t) => errors.push(t), color: false };
}

let dir: string;
const COLOURS = ['red', 'blue'];
const config = {
  seed: 2,
  output: 'run',
  model: {
    lm: { config: { model_type: 'llama', vocab_size: 272, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 2, tie_word_embeddings: true, initializer_range: 0.05 } },
    vision: { config: { hidden_size: 16, intermediate_size: 32, num_hidden_layers: 2, num_attention_heads: 2, image_size: 8, patch_size: 4 } },
    connector: { type: 'mlp2x_gelu' },
  },
  tokenizer: { kind: 'bytes' },
  stages: [
    { name: 'align', template: 'plain', data: { path: 'captions.json', imageRoot: 'images' }, train: { connector: 0.01 }, steps: 2, globalBatchSize: 2 },
    {
      name: 'instruct-lora', template: 'vicuna_v1', data: { path: 'qa.json', imageRoot: 'images' }, train: { connector: 0.01 },
      lora: { r: 4, alpha: 8, targetModules: ['q_proj', 'v_proj', 'down_proj'], lr: 0.02 }, steps: 6, globalBatchSize: 3, warmupRatio: 0,
    },
  ],
};

beforeAll(async () => {
  process.env.VLM_TF_BACKEND = 'wasm';
  dir = mkdtempSync(join(tmpdir(), 'vlm-train-merge-'));
  mkdirSync(join(dir, 'images'));
  for (const colour of COLOURS) {
    const scene = { id: colour, width: 8, height: 8, background: 'white', objects: [{ shape: 'square' as const, colour, box: [0, 0, 8, 8] as [number, number, number, number], boxNormalised: [0, 0, 1, 1] as [number, number, number, number] }] };
    writeFileSync(join(dir, 'images', `${colour}.png`), await renderScenePng(scene));
  }
  writeFileSync(join(dir, 'captions.json'), JSON.stringify(COLOURS.map((c) => ({ id: `cap-${c}`, image: `${c}.png`, conversations: [{ from: 'human', value: '<image>' }, { from: 'gpt', value: `A ${c} square.` }] }))));
  const qa = [...COLOURS.map((c) => ({ id: `qa-${c}`, image: `${c}.png`, conversations: [{ from: 'human', value: '<image>\nColour?' }, { from: 'gpt', value: c }] })), { id: 'text', conversations: [{ from: 'human', value: 'Shapes?' }, { from: 'gpt', value: 'circles' }] }];
  writeFileSync(join(dir, 'qa.json'), JSON.stringify(qa));
  writeFileSync(join(dir, 'run.yaml'), stringify(config));
});
afterAll(() => {
  delete process.env.VLM_TF_BACKEND;
  rmSync(dir, { recursive: true, force: true });
});

async function logits(model: LlavaModel): Promise<Float32Array> {
  const pixelValues = await preprocessImages([join(dir, 'images', 'red.png')], { size: 8 });
  const out = model.forward({ inputIds: [[1, 85, 83, -200, 10, 67, 111, 108]], pixelValues }).logits;
  const data = out.dataSync() as Float32Array;
  out.dispose();
  pixelValues.dispose();
  return data;
}

describe('vlm-train merge', () => {
  it('trains a LoRA stage from a config, merges it, and the merged checkpoint gives the adapter model\'s logits', async () => {
    const io = capture();
    expect(await commands.train!(['--config', join(dir, 'run.yaml')], io)).toBe(0);
    const text = io.lines.join('\n');
    expect(text).toMatch(/lora r4 .* 3 layers/);
    // Only the stage-1 connector is exported as mm_projector; the LoRA stage holds adapters, not a copy of the base.
    expect(text).not.toMatch(/1-instruct-lora\/mm_projector/);
    const lora = join(dir, 'run', 'checkpoints', '1-instruct-lora');
    expect(existsSync(join(lora, 'model.safetensors'))).toBe(false);
    expect(readdirSync(lora)).toEqual(expect.arrayContaining(['adapter_config.json', 'adapter_model.safetensors', 'non_lora_trainables.safetensors']));

    const out = join(dir, 'merged');
    const merge = capture();
    expect(await commands.merge!(['--adapter', lora, '--out', out], merge)).toBe(0);
    expect(merge.lines).toEqual([`merged 3 LoRA layers into ${join(lora, '../0-align')}`, `checkpoint: ${out}`]);
    const adapted = await loadCheckpoint(lora);
    const merged = await loadCheckpoint(out);
    expect(merged.meta.lora).toBeUndefined();
    expect(merged.model.lora).toBeUndefined();
    expect(merged.meta.template).toBe('vicuna_v1');
    const a = await logits(adapted.model);
    const m = await logits(merged.model);
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs((a[i] as number) - (m[i] as number)));
    expect(diff).toBeLessThan(1e-5);

    // Chat answers the same from the adapter checkpoint and the merged one.
    const fromLora = capture();
    const fromMerged = capture();
    await commands.chat!(['--checkpoint', lora, '--prompt', 'Shapes?', '--max-tokens', '8'], fromLora);
    await commands.chat!(['--checkpoint', out, '--prompt', 'Shapes?', '--max-tokens', '8'], fromMerged);
    expect(fromMerged.lines).toEqual(fromLora.lines);

    await expect(commands.merge!(['--adapter', lora, '--out', out], capture())).rejects.toMatchObject({ code: 'output_exists', location: { field: '--out' } });
    expect(await commands.merge!(['--adapter', lora, '--out', out, '--force'], capture())).toBe(0);
  });

  it('answers --help and rejects a missing option or a base-less PEFT adapter', async () => {
    const help = capture();
    expect(await commands.merge!(['--help'], help)).toBe(0);
    expect(help.lines[0]).toMatch(/^usage: vlm-train merge --adapter dir --out dir/);
    // usage errors (exit 2 through the CLI dispatch, with this usage)
    await expect(commands.merge!(['--out', join(dir, 'x')], capture())).rejects.toMatchObject({ code: 'cli_usage', message: expect.stringMatching(/merge needs --adapter/) });
    await expect(commands.merge!(['--adapter', dir, '--out', join(dir, 'x'), '--bogus'], capture())).rejects.toMatchObject({ code: 'cli_usage', message: expect.stringMatching(/--bogus/) });
    await expect(commands.merge!(['--adapter', join(dir, 'images'), '--out', join(dir, 'x')], capture())).rejects.toMatchObject({ code: 'adapter_unreadable' });
  });
});
