import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensorsFile } from '@vlm/connectors/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '@vlm/connectors';
import { answer } from '@vlm/train';
import { loadCheckpoint } from '@vlm/train/node';
import { tinyDemoPreset } from './demo-preset';
import { demoBackendPreference, runTrainingDemo } from './run-training-demo';

// wasm: the cpu backend is ~10x slower on this pipeline (exact determinism is tested elsewhere).
beforeAll(async () => {
  await selectBackend({ force: 'wasm', log: () => {} });
});
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vlm-demo-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runTrainingDemo (tiny preset)', () => {
  it('runs the whole pipeline and writes a report with accuracy, baseline, chance, samples and loss curves', async () => {
    const lines: string[] = [];
    const r = await runTrainingDemo({ outDir: dir, preset: tinyDemoPreset, selectBackend: false, log: (l) => lines.push(l) });
    expect(r.stages.map((s) => s.stage)).toEqual(['lm-pretrain', 'align', 'instruct']);
    expect(r.accuracy.map((a) => [a.type, a.chance])).toEqual([['colour', 1 / 6], ['shape', 1 / 4], ['count', 1 / 3], ['position', 1 / 9]]);
    expect(r.questions.length).toBeGreaterThan(0);
    const html = readFileSync(r.reportHtml, 'utf8');
    expect(html).toContain('text only (same model, no image)');
    expect(html).toContain('data:image/png;base64,');
    // A seconds-long run says so: it is not expected to learn.
    expect(html).toContain('<p class="notice"><b>Note:</b> This was a quick run');
    expect(r.terminal[0]).toMatch(/^note: This was a quick run.*not expected to learn/);
    expect(existsSync(r.lossCurvePng)).toBe(true);
    expect([...(await readSafetensorsFile(r.connectorFile)).tensors.keys()].sort()).toEqual(['model.mm_projector.0.bias', 'model.mm_projector.0.weight', 'model.mm_projector.2.bias', 'model.mm_projector.2.weight']);
    expect(lines.join('\n')).toMatch(/stage 2 instruct: template vicuna_v1/);
    // The LM's vocabulary is learned from the demo text: whole words are single pieces.
    expect(lines.join('\n')).toMatch(/tokenizer: BPE learned from the training text, \d+ pieces/);
    const vocab = (JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } }).model.vocab;
    expect(vocab['\u2581color']).toBeDefined();
    expect(existsSync(join(r.checkpoint, 'tokenizer.json'))).toBe(true);
    expect(r.terminal.join('\n')).toMatch(/question type\s+n\s+with image\s+text only\s+chance/);
    const data = JSON.parse(readFileSync(join(dir, 'data', 'instruct.json'), 'utf8')) as { image?: string }[];
    expect(data.some((d) => d.image === undefined) && data.some((d) => d.image !== undefined)).toBe(true);
    // Text-only answers are asked once per distinct question; each is what asking it again gives.
    const loaded = await loadCheckpoint(r.checkpoint);
    const chat = { model: loaded.model, tokenizer: loaded.tokenizer, template: loaded.meta.template, systemMessage: loaded.meta.systemMessage };
    const distinct = new Map(r.questions.map((q) => [q.question, q.textOnly]));
    expect(distinct.size).toBeGreaterThan(1);
    for (const [question, textOnly] of distinct) expect(await answer(chat, [{ from: 'human', value: question }], { maxNewTokens: 16 })).toBe(textOnly);
  });

  it('pretrains the LM on a worker thread beside the vision tower, writing what a run one stage after the other writes', async () => {
    const lines: string[] = [];
    const beside = await runTrainingDemo({ outDir: join(dir, 'beside'), preset: tinyDemoPreset, selectBackend: false, log: (l) => lines.push(l) });
    const serial = await runTrainingDemo({ outDir: join(dir, 'serial'), preset: tinyDemoPreset, selectBackend: false, lmBeside: false });
    expect(lines.join('\n')).toContain('the LM pretrains beside it on a worker thread');
    // the worker's stage log is printed after the vision tower, in the LM's section
    const section = lines.indexOf(lines.find((l) => l.startsWith('3/7'))!);
    expect(lines.slice(section).some((l) => /^stage 0 lm-pretrain: template plain/.test(l))).toBe(true);
    expect(beside.stages[0]!.losses).toEqual(serial.stages[0]!.losses);
    expect(beside.stages[0]!.checkpoint).toBe(join(dir, 'beside', 'checkpoints', '0-lm-pretrain'));
    // the same checkpoint, byte for byte: weights (the vision tower the main thread trained), optimizer, meta
    // (which names the tokenizer by its file, in each run's own folder)
    const saved = (run: string, file: string) => readFileSync(join(dir, run, 'checkpoints', '0-lm-pretrain', file));
    for (const file of ['model.safetensors', 'optimizer.safetensors', 'tokenizer.json']) expect(saved('beside', file).equals(saved('serial', file)), file).toBe(true);
    expect(saved('beside', 'checkpoint.json').toString().replaceAll(join(dir, 'beside'), '<run>')).toBe(saved('serial', 'checkpoint.json').toString().replaceAll(join(dir, 'serial'), '<run>'));
    expect(readdirSync(join(dir, 'beside', 'checkpoints')).sort()).toEqual(['0-lm-pretrain', '1-align', '2-instruct']);
    // and the same metrics, in the same order (but for the clock)
    const metrics = (run: string) => readFileSync(join(dir, run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => {
      const { seconds: _s, tokensPerSecond: _t, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
    expect(metrics('beside')).toEqual(metrics('serial'));
    expect(beside.accuracy).toEqual(serial.accuracy);
  });

  it('runs stage 2 with LoRA beside full fine-tuning and compares them (compareLora)', async () => {
    const out = join(dir, 'lora');
    const r = await runTrainingDemo({ outDir: out, preset: tinyDemoPreset, selectBackend: false, compareLora: true });
    const [full, lora] = r.loraComparison!;
    expect(full!.variant).toMatch(/full fine-tuning/);
    expect(lora!.variant).toMatch(/^LoRA r16 on every LM linear \+ connector$/);
    // tiny preset: LM width 32, 1 layer, intermediate 64; r 16 on q, k, v, o (32 -> 32), gate, up (32 -> 64), down (64 -> 32).
    const adapters = 16 * (4 * (32 + 32) + 2 * (32 + 64) + (64 + 32));
    const connector = 16 * 32 + 32 + 32 * 32 + 32; // mlp2x_gelu 16 -> 32 -> 32
    expect(lora!.trainable).toBe(connector + adapters);
    expect(full!.trainable).toBeGreaterThan(lora!.trainable);
    expect(lora!.accuracy.map((a) => a.type)).toEqual(['colour', 'shape', 'count', 'position']);
    expect(r.terminal.join('\n')).toMatch(/stage 2\s+trainable\s+s\/step\s+colour\s+shape\s+count\s+position/);
    expect(readFileSync(r.reportHtml, 'utf8')).toContain('Stage 2: full fine-tuning vs LoRA');
    expect(readdirSync(join(out, 'checkpoints', '2-instruct-lora')).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors', 'checkpoint.json', 'non_lora_trainables.safetensors', 'optimizer.safetensors', 'tokenizer.json']);
  });
});

describe('the demo\'s backend', () => {
  it('prefers wasm on 2 threads where there are 2+ cores and neither VLM_TF_BACKEND nor VLM_WASM_THREADS is set', async () => {
    const saved = { backend: process.env.VLM_TF_BACKEND, threads: process.env.VLM_WASM_THREADS };
    const { availableParallelism } = await import('node:os');
    try {
      delete process.env.VLM_TF_BACKEND;
      delete process.env.VLM_WASM_THREADS;
      expect(demoBackendPreference()).toEqual(availableParallelism() >= 2 ? { prefer: 'wasm', wasmThreads: 2 } : {});
      process.env.VLM_TF_BACKEND = 'node';
      expect(demoBackendPreference()).toEqual({});
      delete process.env.VLM_TF_BACKEND;
      process.env.VLM_WASM_THREADS = '1';
      expect(demoBackendPreference()).toEqual({});
    } finally {
      for (const [name, value] of [['VLM_TF_BACKEND', saved.backend], ['VLM_WASM_THREADS', saved.threads]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
