// End to end: the real CLI entry in a child process, on dataset fixtures in their published layouts.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, vlmDatagen } from '../testing/run-vlm-datagen';
import { runInProcess } from '../testing/run-in-process';
import { parseLlavaDataset } from '@vlm/core';

const fixtures = join(repoRoot, 'packages/datagen/src/convert/sources/__fixtures__');

describe('vlm-datagen convert and mix', () => {
  it('converts two datasets, reports their bad rows, and mixes them with statistics', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vlm-datagen-cli-'));
    const vqa = await vlmDatagen([
      'convert',
      'vqav2',
      '--questions',
      join(fixtures, 'v2_OpenEnded_mscoco_train2014_questions.json'),
      '--annotations',
      join(fixtures, 'v2_mscoco_train2014_annotations.json'),
      '--single-turn',
      '--image-prefix',
      'coco',
      '--out',
      join(dir, 'vqav2.json'),
    ]);
    expect(vqa.code).toBe(0);
    expect(vqa.stdout).toContain('vqav2: 4 questions -> 4 records');
    expect(vqa.stderr).toContain('questions.json:9 [index 3]: field image_id');
    const vqaRecords = parseLlavaDataset(JSON.parse(await readFile(join(dir, 'vqav2.json'), 'utf8')));
    expect(vqaRecords[0]!.image).toBe('coco/train2014/COCO_train2014_000000458752.jpg');
    const issues = (await readFile(join(dir, 'vqav2.issues.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(issues.map((i: { index: number }) => i.index)).toEqual([3, 5]);

    const pmc = await vlmDatagen(['convert', 'pmcvqa', '--questions', join(fixtures, 'pmc_vqa_train.csv'), '--out', join(dir, 'pmc.jsonl')]);
    expect(pmc.code).toBe(0);
    expect((await readFile(join(dir, 'pmc.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(2);

    const mix = await vlmDatagen([
      'mix',
      '--source',
      `vqa=${join(dir, 'vqav2.json')}`,
      '--source',
      `pmc=${join(dir, 'pmc.jsonl')}`,
      '--source',
      `again=${join(dir, 'vqav2.json')}`,
      '--weight',
      'pmc=2',
      '--seed',
      '7',
      '--tokenizer',
      'llama-2',
      '--out',
      join(dir, 'mix.json'),
    ]);
    expect(mix.code).toBe(0);
    const mixed = parseLlavaDataset(JSON.parse(await readFile(join(dir, 'mix.json'), 'utf8')));
    expect(mixed).toHaveLength(8);
    const stats = JSON.parse(await readFile(join(dir, 'mix.stats.json'), 'utf8'));
    expect(stats.sources.map((s: { name: string; records: number; duplicates: number }) => [s.name, s.records, s.duplicates])).toEqual([
      ['vqa', 4, 0],
      ['pmc', 4, 0],
      ['again', 0, 4],
    ]);
    expect(stats.tokenizer).toBe('llama-2 tokenizer, vicuna_v1 template');
    expect(await readFile(join(dir, 'mix.stats.md'), 'utf8')).toContain('| pmc | 2 | 0 | 0 | 4 | 50.0% |');
  });

  it('prints a located error and exits non-zero on bad input', async () => {
    const missing = await vlmDatagen(['convert', 'gqa', '--out', join(tmpdir(), 'never.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('[missing_input] gqa needs its questions file');
    expect(missing.stderr).not.toContain('    at ');
    // A truncated download: the rows before the cut are converted and stay a valid file.
    const dir = await mkdtemp(join(tmpdir(), 'vlm-datagen-cli-'));
    const cut = join(dir, 'cut.json');
    await writeFile(cut, '[\n{"id": "a", "conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]},\n{"id": "b", "conv');
    const truncated = await vlmDatagen(['convert', 'sharegpt', '--conversations', cut, '--out', join(dir, 'out.json')]);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toContain('[json_syntax]');
    expect(truncated.stderr).toContain('line 3');
    expect(parseLlavaDataset(JSON.parse(await readFile(join(dir, 'out.json'), 'utf8'))).map((r) => r.id)).toEqual(['a']);
  });

  it('takes the region and response-format options of LLaVA-1.5 fidelity as flags, and refuses bad values with exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vlm-datagen-cli-'));
    const vg = await runInProcess([
      'convert',
      'vg',
      '--regions',
      join(fixtures, 'region_descriptions.json'),
      '--images',
      join(fixtures, 'image_data.json'),
      '--direction',
      'mix',
      '--box-ratio',
      '0',
      '--boxes',
      'per-axis',
      '--out',
      join(dir, 'vg.json'),
    ]);
    expect(vg.code).toBe(0);
    const records = parseLlavaDataset(JSON.parse(await readFile(join(dir, 'vg.json'), 'utf8')));
    expect(records[1]!.conversations).toEqual([
      { from: 'human', value: '<image>\nPlease provide a short description for this region: [0.25, 0.25, 0.75, 0.75].' },
      { from: 'gpt', value: 'A man riding a bike.' },
    ]);
    const every = await runInProcess([
      'convert',
      'vqav2',
      '--questions',
      join(fixtures, 'v2_OpenEnded_mscoco_train2014_questions.json'),
      '--annotations',
      join(fixtures, 'v2_mscoco_train2014_annotations.json'),
      '--response-format-turns',
      'every',
      '--out',
      join(dir, 'vqa.json'),
    ]);
    expect(every.code).toBe(0);
    const merged = parseLlavaDataset(JSON.parse(await readFile(join(dir, 'vqa.json'), 'utf8')))[0]!;
    expect(merged.conversations.filter((t) => t.value.endsWith('Answer the question using a single word or phrase.'))).toHaveLength(3);

    const bad = await vlmDatagen(['convert', 'vg', '--box-ratio', '1.5', '--out', join(dir, 'never.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--box-ratio needs a number from 0 to 1, got "1.5"');
    expect(bad.stderr).not.toMatch(/^\s+at .*:\d+:\d+\)?$/m); // no stack trace
    const help = await vlmDatagen(['convert', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--boxes <b>');
    expect(help.stdout).toContain('--response-format-turns <t>');
  });
});
