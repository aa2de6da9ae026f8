import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createByteTokenizer } from '@vlm/core';
import { buildLlavaModel, imageTokensOf, prepareSamples, type LlavaModelSpec } from '@vlm/train';
import { ImageStore, loadLlavaDataset, trainStage } from '@vlm/train/node';
import { runCli } from '../src/run-cli';

// A tiny LLaVA (byte tokenizer, 8x8 images) trained for a few steps on solid-colour images.
const SPEC: LlavaModelSpec = {
  vision: { hiddenSize: 16, intermediateSize: 32, numHiddenLayers: 1, numAttentionHeads: 2, imageSize: 8, patchSize: 4, numChannels: 3, layerNormEps: 1e-5, hiddenAct: 'quick_gelu', initializerRange: 0.1 },
  lm: {
    vocabSize: 272, hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 1, numAttentionHeads: 2, numKeyValueHeads: 2, maxPositionEmbeddings: 512,
    rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: true, initializerRange: 0.05, bosTokenId: 1, eosTokenId: 2,
  },
  connector: { type: 'mlp2x_gelu', inputDim: 16, outputDim: 32 },
};
const COLOURS: Record<string, [number, number, number]> = { red: [220, 40, 40], blue: [40, 80, 220], green: [40, 170, 60] };

describe('vlm-eval answer --checkpoint (a tiny trained vlm-train checkpoint)', () => {
  let dir: string;
  let checkpoint: string;
  const out: string[] = [];

  beforeAll(async () => {
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    dir = mkdtempSync(join(tmpdir(), 'vlm-eval-ckpt-'));
    const imageRoot = join(dir, 'images');
    mkdirSync(imageRoot);
    const records = [];
    for (const [name, rgb] of Object.entries(COLOURS)) {
      await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toFile(join(imageRoot, `${name}.png`));
      records.push({ id: name, image: `${name}.png`, conversations: [{ from: 'human', value: '<image>\nColour?' }, { from: 'gpt', value: name }] });
    }
    writeFileSync(join(dir, 'train.json'), JSON.stringify(records));
    const tokenizer = createByteTokenizer();
    const dataset = await loadLlavaDataset(join(dir, 'train.json'), imageRoot);
    const samples = prepareSamples(dataset.records, { tokenizer, template: 'vicuna_v1', systemMessage: 'Hi.', imageTokens: imageTokensOf(SPEC) });
    const result = await trainStage({
      model: buildLlavaModel(SPEC, 7),
      spec: SPEC,
      tokenizer,
      tokenizerSpec: { kind: 'bytes' },
      stage: { name: 'instruct', template: 'vicuna_v1', systemMessage: 'Hi.', train: { connector: 1e-2, lm: 1e-2 }, steps: 3, globalBatchSize: 3, maxMicroBatchSize: 3, warmupRatio: 0 },
      stageIndex: 1,
      samples,
      images: new ImageStore({ root: imageRoot, size: 8 }),
      seed: 3,
      outDir: join(dir, 'run'),
      log: () => {},
      progress: () => {},
    });
    checkpoint = result.checkpoint!;
    const questions = Object.keys(COLOURS).map((name) => ({ id: name, image: `${name}.png`, question: 'Colour?', answer: name }));
    questions.push({ id: 'text', question: 'Shapes?', answer: 'circles' } as (typeof questions)[number]);
    writeFileSync(join(dir, 'questions.jsonl'), questions.map((q) => JSON.stringify(q)).join('\n') + '\n');
  });

  afterAll(() => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers with the checkpoint\'s own template, deterministically and resumably, and the answers score', async () => {
    const args = (file: string) => ['answer', '--checkpoint', checkpoint, '--questions', join(dir, 'questions.jsonl'), '--images', join(dir, 'images'), '--out', join(dir, file), '--max-tokens', '6'];
    expect(await runCli(args('a.jsonl'))).toBe(0);
    const summary = JSON.parse(out.at(-1)!);
    expect(summary).toMatchObject({ answers: 4, template: 'vicuna_v1' });
    expect(summary.model).toMatch(/@instruct:3$/);
    const first = readFileSync(join(dir, 'a.jsonl'), 'utf8');
    expect(first.trim().split('\n').map((l) => JSON.parse(l).id).sort()).toEqual(['blue', 'green', 'red', 'text']);
    expect(await runCli(args('b.jsonl'))).toBe(0);
    expect(readFileSync(join(dir, 'b.jsonl'), 'utf8')).toBe(first); // greedy decoding, sequential: identical
    expect(await runCli(args('a.jsonl'))).toBe(0); // resumed: nothing left to answer
    expect(readFileSync(join(dir, 'a.jsonl'), 'utf8')).toBe(first);
    expect(await runCli(['vqa', '--questions', join(dir, 'questions.jsonl'), '--answers', join(dir, 'a.jsonl'), '--out', join(dir, 'vqa.json')])).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'vqa.json'), 'utf8')).vqa.open.n).toBe(4);
  });
});
