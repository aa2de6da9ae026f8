import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderScenePng } from '@vlm/datagen';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { commands } from './index';
import type { CommandIo } from './io';

function capture(): CommandIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (t) => lines.push(t), err: (t) => errors.push(t), color: false };
}

const COLOURS = { red: 1, blue: 2 };

let dir: string;
const config = () => ({
  seed: 1,
  output: 'run',
  model: {
    lm: { config: { model_type: 'llama', vocab_size: 272, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 2, tie_word_embeddings: true, initializer_range: 0.05 } },
    vision: { config: { hidden_size: 16, intermediate_size: 32, num_hidden_layers: 2, num_attention_heads: 2, image_size: 8, patch_size: 4 } },
    connector: { type: 'mlp2x_gelu' },
  },
  tokenizer: { kind: 'bytes' },
  stages: [
    { name: 'align', template: 'plain', data: { path: 'captions.json', imageRoot: 'images' }, train: { connector: 0.01 }, steps: 3, globalBatchSize: 2 },
    { name: 'instruct', template: 'vicuna_v1', systemMessage: 'Hi.', data: { path: 'qa.json', imageRoot: 'images' }, train: { connector: 0.01, lm: 0.01 }, steps: 40, globalBatchSize: 3, warmupRatio: 0 },
  ],
});

beforeAll(async () => {
  process.env.VLM_TF_BACKEND = 'wasm'; // single-threaded wasm: reproducible and much faster than cpu
  dir = mkdtempSync(join(tmpdir(), 'vlm-train-run-'));
  mkdirSync(join(dir, 'images'));
  for (const colour of Object.keys(COLOURS)) {
    const scene = { id: colour, width: 8, height: 8, background: 'white', objects: [{ shape: 'square' as const, colour, box: [0, 0, 8, 8] as [number, number, number, number], boxNormalised: [0, 0, 1, 1] as [number, number, number, number] }] };
    writeFileSync(join(dir, 'images', `${colour}.png`), await renderScenePng(scene));
  }
  const captions = Object.keys(COLOURS).map((c) => ({ id: `cap-${c}`, image: `${c}.png`, conversations: [{ from: 'human', value: '<image>' }, { from: 'gpt', value: `A ${c} square.` }] }));
  const qa = [
    ...Object.keys(COLOURS).map((c) => ({ id: `qa-${c}`, image: `${c}.png`, conversations: [{ from: 'human', value: '<image>\nColour?' }, { from: 'gpt', value: c }] })),
    { id: 'text', conversations: [{ from: 'human', value: 'Shapes?' }, { from: 'gpt', value: 'circles' }] },
  ];
  writeFileSync(join(dir, 'captions.json'), JSON.stringify(captions));
  writeFileSync(join(dir, 'qa.json'), JSON.stringify(qa));
  writeFileSync(join(dir, 'run.yaml'), stringify(config()));
});
afterAll(() => {
  delete process.env.VLM_TF_BACKEND;
  rmSync(dir, { recursive: true, force: true });
});

describe('vlm-train train / chat / export', () => {
  it('rejects a bad config with the path of the error', async () => {
    const bad = config();
    (bad.stages[1] as Record<string, unknown>).train = { lm: -1 };
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
    await expect(commands.train!(['--config', join(dir, 'bad.json')], capture())).rejects.toMatchObject({ code: 'config_invalid', location: { field: 'stages.1.train.lm' } });
    const noLength = config();
    delete (noLength.stages[0] as Record<string, unknown>).steps;
    writeFileSync(join(dir, 'bad2.yaml'), stringify(noLength));
    await expect(commands.train!(['--config', join(dir, 'bad2.yaml')], capture())).rejects.toThrow(/stages\.0\.steps: give exactly one of epochs or steps/);
  });

  it('trains both stages from a YAML config, exports the stage-1 connector, and chats from the checkpoint', async () => {
    const io = capture();
    expect(await commands.train!(['--config', join(dir, 'run.yaml')], io)).toBe(0);
    const text = io.lines.join('\n');
    expect(text).toMatch(/module\s+parameters\s+state\s+lr/);
    expect(text).toMatch(/connector \(mm_projector layout\): .*0-align\/mm_projector\.safetensors/);
    const metrics = readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { stage: string; loss: number });
    const instruct = metrics.filter((m) => m.stage === 'instruct');
    expect(instruct).toHaveLength(40);
    expect(instruct.at(-1)!.loss).toBeLessThan(instruct[0]!.loss / 4);
    expect(existsSync(join(dir, 'run', 'loss-curves.png'))).toBe(true);

    const checkpoint = join(dir, 'run', 'checkpoints', '1-instruct');
    const chat = capture();
    expect(await commands.chat!(['--checkpoint', checkpoint, '--prompt', 'Shapes?', '--max-tokens', '12'], chat)).toBe(0);
    expect(chat.lines).toEqual(['circles']);
    for (const colour of Object.keys(COLOURS)) {
      const withImage = capture();
      await commands.chat!(['--checkpoint', checkpoint, '--image', join(dir, 'images', `${colour}.png`), '--prompt', 'Colour?', '--max-tokens', '12'], withImage);
      expect(withImage.lines).toEqual([colour]);
    }
  });

  it('exports LLaVA JSON and pre-tokenised shards with a manifest', async () => {
    const io = capture();
    const out = join(dir, 'export');
    expect(await commands.export!([join(dir, 'qa.json'), '--image-root', join(dir, 'images'), '--out', out, '--tokenizer', 'bytes', '--shard-size', '2'], io)).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { shards: string[]; records: number; template: string };
    expect(manifest).toMatchObject({ records: 3, template: 'vicuna_v1', shards: ['shard-00000.jsonl', 'shard-00001.jsonl'] });
    const first = JSON.parse(readFileSync(join(out, 'shard-00000.jsonl'), 'utf8').split('\n')[0]!) as { input_ids: number[]; labels: number[] };
    expect(first.input_ids).toContain(-200);
    expect(first.labels.length).toBe(first.input_ids.length);
    expect(JSON.parse(readFileSync(join(out, 'data.json'), 'utf8'))).toHaveLength(3);
  });

  it('runs the quick training demo and points at its report', async () => {
    const io = capture();
    expect(await commands.demo!(['--quick', '--out', join(dir, 'demo')], io)).toBe(0);
    const text = io.lines.join('\n');
    expect(text).toMatch(/question type\s+n\s+with image\s+text only\s+chance/);
    expect(text).toContain(`report: ${join(dir, 'demo', 'report.html')}`);
    expect(existsSync(join(dir, 'demo', 'report.html'))).toBe(true);
    // The demo LM's own BPE vocabulary travels with the checkpoint, so chat can load it.
    expect(existsSync(join(dir, 'demo', 'checkpoints', '2-instruct', 'tokenizer.json'))).toBe(true);
    const chat = capture();
    expect(await commands.chat!(['--checkpoint', join(dir, 'demo', 'checkpoints', '2-instruct'), '--prompt', 'How many shapes are there? Answer briefly.', '--max-tokens', '4'], chat)).toBe(0);
  });

  it('rejects a demo seed that is not a whole number', async () => {
    await expect(commands.demo!(['--quick', '--seed', 'abc', '--out', join(dir, 'demo-bad')], capture())).rejects.toMatchObject({ code: 'option_invalid', location: { field: '--seed' } });
    expect(existsSync(join(dir, 'demo-bad'))).toBe(false);
  });
});
