import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensorsFile } from '@vlm/connectors/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '@vlm/connectors';
import { tinyDemoPreset } from './demo-preset';
import { runTrainingDemo } from './run-training-demo';

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
  });
});
