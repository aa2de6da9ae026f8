import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_TEMPLATE_NAMES } from '@vlm/core';
import { renderScenePng } from '@vlm/datagen';
import { SAMPLE_DATASET } from '../sample/sample-dataset';
import { commands } from './index';
import type { CommandIo } from './io';

function capture(): CommandIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (t) => lines.push(t), err: (t) => errors.push(t), color: false };
}

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vlm-train-cli-'));
  mkdirSync(join(dir, 'images'));
  // validate decodes every image, so this one is a real PNG
  writeFileSync(join(dir, 'images', 'a.png'), await renderScenePng({ id: 'a', width: 8, height: 8, background: 'white', objects: [] }));
  writeFileSync(
    join(dir, 'data.json'),
    JSON.stringify([
      { id: 'ok', image: 'a.png', conversations: [{ from: 'human', value: '<image>\nWhat is it?' }, { from: 'gpt', value: 'A gland.' }] },
      { id: 'gone', image: 'b.jpg', conversations: [{ from: 'human', value: '<image>\nQ' }, { from: 'gpt', value: 'A' }] },
      { id: 'ok', conversations: [{ from: 'human', value: 'Q' }, { from: 'gpt', value: '' }] },
    ]),
  );
  writeFileSync(join(dir, 'good.jsonl'), SAMPLE_DATASET.map((r) => JSON.stringify(r)).join('\n'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vlm-train validate', () => {
  it('lists every bad row and exits 1', async () => {
    const io = capture();
    expect(await commands.validate!([join(dir, 'data.json'), '--image-root', join(dir, 'images')], io)).toBe(1);
    const text = io.lines.join('\n');
    expect(text).toContain('row 1 (id "gone") image: image_missing');
    expect(text).toContain('row 2 (id "ok") id: duplicate_id');
    expect(text).toContain('row 2 (id "ok") conversations[1].value: empty_answer');
    expect(text).toContain('3 records, 1 valid, 3 issue(s)');
  });

  it('exits 0 on a clean JSONL file, 2 without a file', async () => {
    const io = capture();
    expect(await commands.validate!([join(dir, 'good.jsonl')], io)).toBe(0);
    expect(io.lines.at(-1)).toContain('image files were not checked');
    await expect(commands.validate!([], capture())).rejects.toMatchObject({ code: 'cli_usage' });
  });
});

describe('vlm-train masks', () => {
  it('renders the mask of one row and writes HTML', async () => {
    const io = capture();
    const html = join(dir, 'mask.html');
    expect(await commands.masks!([join(dir, 'good.jsonl'), '--row', '1', '--template', 'llava_v0', '--html', html], io)).toBe(0);
    expect(io.lines[0]).toContain('###Assistant:« Sheets of pleomorphic tumor cells');
    expect(io.lines.join('\n')).toContain('row 1 (id "path-0002"), template llava_v0');
    expect(readFileSync(html, 'utf8')).toContain('<pre class="vlm-mask"');
  });

  it('rejects a row out of range with a typed error', async () => {
    await expect(commands.masks!([join(dir, 'good.jsonl'), '--row', '99'], capture())).rejects.toMatchObject({ code: 'row_out_of_range' });
  });
});

describe('vlm-train format-demo', () => {
  it('formats the sample dataset with every template and prints statistics', async () => {
    const io = capture();
    expect(await commands['format-demo']!([], io)).toBe(0);
    const text = io.lines.join('\n');
    for (const name of BUILT_IN_TEMPLATE_NAMES) expect(text).toContain(`── ${name} · row 0`);
    expect(text).toMatch(/vicuna_v1\s+4\s+\d+\s+\d+\s+[\d.]+ %/);
    expect(text).toContain('«');
  });
});
