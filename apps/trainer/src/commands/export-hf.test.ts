import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { renderScenePng } from '@vlm/datagen';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainBpeTokenizer } from '@vlm/core';
import { type LlavaModelSpec, buildLlavaModel, modelSpecToJson } from '@vlm/train';
import { saveCheckpoint } from '@vlm/train/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from './index';
import type { CommandIo } from './io';

function capture(): CommandIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (t) => lines.push(t), err: (t) => errors.push(t), color: false };
}

const spec: LlavaModelSpec = {
  vision: { hiddenSize: 16, intermediateSize: 32, numHiddenLayers: 2, numAttentionHeads: 2, imageSize: 8, patchSize: 4, numChannels: 3, layerNormEps: 1e-5, hiddenAct: 'quick_gelu' },
  lm: { vocabSize: 300, hiddenSize: 16, intermediateSize: 32, numHiddenLayers: 1, numAttentionHeads: 2, numKeyValueHeads: 2, maxPositionEmbeddings: 64, rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: true, bosTokenId: 1, eosTokenId: 2 },
  connector: { type: 'mlp2x_gelu', inputDim: 16, outputDim: 16 },
  image: { mode: 'crop' },
};

let dir: string;
let checkpoint: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vlm-train-export-hf-'));
  const tokenizerFile = join(dir, 'tokenizer.json');
  writeFileSync(tokenizerFile, JSON.stringify(trainBpeTokenizer(['USER: what colour is it? ASSISTANT: red', 'a blue square and a green circle'], { vocabSize: 300 })));
  checkpoint = join(dir, 'checkpoint');
  const model = buildLlavaModel(spec, 1);
  await saveCheckpoint(checkpoint, {
    model,
    tokenizerFile,
    meta: { model: modelSpecToJson(spec), tokenizer: { kind: 'hf', file: 'tokenizer.json', name: 'bpe', vocabSize: 300 }, template: 'vicuna_v1', seed: 1, stage: { index: 0, name: 's', spec: {} }, step: 0, totalSteps: 0, dataPosition: { epoch: 0, batch: 0 }, losses: [] },
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vlm-train export --format hf', () => {
  it('writes a transformers LLaVA folder, refuses to overwrite it without --force, and chat loads it', async () => {
    const out = join(dir, 'hf');
    const io = capture();
    expect(await commands.export!(['--format', 'hf', '--checkpoint', checkpoint, '--out', out, '--dtype', 'bf16'], io)).toBe(0);
    expect(io.lines.join('\n')).toContain('LlavaForConditionalGeneration.from_pretrained');
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))).toMatchObject({ model_type: 'llava', dtype: 'bfloat16' });
    for (const f of ['model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'chat_template.jinja', 'processor_config.json', 'preprocessor_config.json']) expect(existsSync(join(out, f)), f).toBe(true);
    await expect(commands.export!(['--format', 'hf', '--checkpoint', checkpoint, '--out', out], capture())).rejects.toMatchObject({ code: 'output_exists' });
    expect(await commands.export!(['--format', 'hf', '--checkpoint', checkpoint, '--out', out, '--force'], capture())).toBe(0);
    const chat = capture();
    expect(await commands.chat!(['--checkpoint', out, '--prompt', 'what colour is it?', '--max-tokens', '3'], chat)).toBe(0);
    expect(chat.lines).toHaveLength(1);
  });

  it('a training stage starts from a Hugging Face LLaVA folder (its tokenizer and image settings come along)', async () => {
    const hf = join(dir, 'hf-start');
    expect(await commands.export!(['--format', 'hf', '--checkpoint', checkpoint, '--out', hf, '--max-shard-size', '40000'], capture())).toBe(0);
    expect(existsSync(join(hf, 'model.safetensors.index.json'))).toBe(true);
    mkdirSync(join(dir, 'images'), { recursive: true });
    const records = [];
    for (const name of ['red', 'blue']) {
      // 12x10: the CLIP rule resizes the shortest edge to 8 and centre-crops
      const scene = { id: name, width: 12, height: 10, background: 'white', objects: [{ shape: 'square' as const, colour: name, box: [1, 1, 11, 9] as [number, number, number, number], boxNormalised: [0.08, 0.1, 0.92, 0.9] as [number, number, number, number] }] };
      writeFileSync(join(dir, 'images', `${name}.png`), await renderScenePng(scene));
      records.push({ id: name, image: `${name}.png`, conversations: [{ from: 'human', value: '<image>\nWhat colour is it?' }, { from: 'gpt', value: name }] });
    }
    writeFileSync(join(dir, 'qa.json'), JSON.stringify(records));
    const config = { seed: 2, output: 'run-from-hf', model: { from: 'hf-start' }, stages: [{ name: 'more', template: 'vicuna_v1', data: { path: 'qa.json', imageRoot: 'images' }, train: { connector: 0.01, lm: 0.001 }, steps: 2, globalBatchSize: 2 }] };
    writeFileSync(join(dir, 'from-hf.json'), JSON.stringify(config));
    const io = capture();
    expect(await commands.train!(['--config', join(dir, 'from-hf.json')], io)).toBe(0);
    expect(io.lines.join('\n')).toContain('model loaded from');
    const meta = JSON.parse(readFileSync(join(dir, 'run-from-hf', 'checkpoints', '0-more', 'checkpoint.json'), 'utf8'));
    expect(meta.model.lm.vocab_size).toBe(301); // <image> came with the folder
    expect(meta.model.image.mode).toBe('crop');
    expect(meta.losses.every((l: number) => Number.isFinite(l))).toBe(true);
  });

  it('usage errors name the flag', async () => {
    await expect(commands.export!(['--format', 'hf', '--out', join(dir, 'x')], capture())).rejects.toMatchObject({ code: 'cli_usage', location: { field: '--checkpoint' } });
    await expect(commands.export!(['--format', 'hf', '--checkpoint', checkpoint, '--out', join(dir, 'x'), '--dtype', 'f8'], capture())).rejects.toMatchObject({ code: 'cli_usage', location: { field: '--dtype' } });
    await expect(commands.export!(['--format', 'onnx', '--checkpoint', checkpoint, '--out', join(dir, 'x')], capture())).rejects.toMatchObject({ code: 'cli_usage', location: { field: '--format' } });
    const help = capture();
    expect(await commands.export!(['--help'], help)).toBe(0);
    expect(help.lines.join('\n')).toContain('--format hf');
  });
});
