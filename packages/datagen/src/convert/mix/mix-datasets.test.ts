import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createByteTokenizer, parseLlavaDataset, type LlavaRecordInput } from '@vlm/core';

import { mixDatasets } from './mix-datasets';
import { planMixture } from './mix-plan';
import { createTokenCounter } from './token-counter';

function vqaRecords(prefix: string, n: number, image = (k: number) => `${prefix}/${k}.jpg`): LlavaRecordInput[] {
  return Array.from({ length: n }, (_, k) => ({
    id: `${prefix}-${k}`,
    image: image(k),
    conversations: [
      { from: 'human', value: `<image>\nQuestion ${k % 7} about ${prefix}?` },
      { from: 'gpt', value: `answer ${k}` },
    ],
  }));
}

async function setup(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vlm-mix-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

describe('planMixture', () => {
  it('splits a total by weight with largest remainders, then applies caps', () => {
    expect(planMixture([{ name: 'a', file: '', weight: 1 }, { name: 'b', file: '', weight: 1 }, { name: 'c', file: '', weight: 1 }], [100, 100, 100], 100)).toEqual([34, 33, 33]);
    expect(planMixture([{ name: 'a', file: '', weight: 3 }, { name: 'b', file: '', weight: 1, cap: 10 }], [1000, 1000], 100)).toEqual([75, 10]);
    expect(planMixture([{ name: 'a', file: '', weight: 0.5 }, { name: 'b', file: '', weight: 2 }], [11, 5])).toEqual([6, 10]);
    expect(() => planMixture([{ name: 'a', file: '', weight: -1 }], [1])).toThrow(/non-negative/);
  });
});

describe('mixDatasets', () => {
  it('removes near-duplicates (same normalised text, any image, any source) when asked, and reports them', async () => {
    const a = vqaRecords('a', 10);
    // b repeats a's conversations about other images with other case and punctuation
    const b = a.slice(0, 4).map((r, k) => ({ id: `b-${k}`, image: `b/${k}.jpg`, conversations: r.conversations.map((t) => ({ ...t, value: `${t.value.toUpperCase()}!!` })) }));
    const dir = await setup({ 'a.json': JSON.stringify(a), 'b.json': JSON.stringify(b) });
    const sources = [{ name: 'a', file: join(dir, 'a.json') }, { name: 'b', file: join(dir, 'b.json') }];
    const plain = await mixDatasets(sources, { output: join(dir, 'plain.json') });
    expect(plain.stats.records).toBe(14);
    expect(plain.stats.nearDuplicates).toBeUndefined();
    const result = await mixDatasets(sources, { output: join(dir, 'mix.json'), dedupeText: true });
    expect(result.stats.records).toBe(10);
    expect(result.stats.nearDuplicates).toBe(4);
    expect(result.stats.sources.map((s) => s.nearDuplicates)).toEqual([0, 4]);
    expect(await readFile(result.statsFiles.markdown, 'utf8')).toContain('Near-duplicates removed (normalised text, all sources): 4.');
  });

  it('honours weights within rounding, de-duplicates by image and question, and shuffles by seed', async () => {
    const a = vqaRecords('a', 200);
    const b = vqaRecords('b', 100);
    // 20 records of c repeat a's (image, question) with another answer and spacing/case: duplicates.
    const c = [...vqaRecords('c', 80), ...a.slice(0, 20).map((r) => ({ ...r, id: `dup-${r.id}`, conversations: [{ from: 'human' as const, value: `${r.conversations[0]!.value.replace('Question', 'QUESTION')}  ` }, { from: 'gpt' as const, value: 'other' }] }))];
    const dir = await setup({ 'a.json': JSON.stringify(a), 'b.jsonl': b.map((r) => JSON.stringify(r)).join('\n'), 'c.json': JSON.stringify(c) });
    const sources = [
      { name: 'a', file: join(dir, 'a.json'), weight: 2 },
      { name: 'b', file: join(dir, 'b.jsonl'), weight: 1 },
      { name: 'c', file: join(dir, 'c.json'), weight: 1 },
    ];
    const result = await mixDatasets(sources, { output: join(dir, 'mix.json'), total: 150, seed: 5 });
    const records = parseLlavaDataset(JSON.parse(await readFile(join(dir, 'mix.json'), 'utf8')));
    expect(records).toHaveLength(150);
    const counts = { a: 0, b: 0, c: 0 } as Record<string, number>;
    for (const r of records) counts[r.source as string]!++;
    expect(counts).toEqual({ a: 75, b: 38, c: 37 });
    expect(result.stats.sources.map((s) => [s.name, s.available, s.duplicates, s.records])).toEqual([
      ['a', 200, 0, 75],
      ['b', 100, 0, 38],
      ['c', 80, 20, 37],
    ]);
    expect(new Set(records.map((r) => r.id)).size).toBe(150);
    // shuffled: sources interleave rather than come in blocks
    expect(records.slice(0, 20).map((r) => r.source)).not.toEqual(Array(20).fill(records[0]!.source));
    const again = await mixDatasets(sources, { output: join(dir, 'mix2.json'), total: 150, seed: 5 });
    expect(await readFile(join(dir, 'mix2.json'), 'utf8')).toBe(await readFile(join(dir, 'mix.json'), 'utf8'));
    expect(again.stats.records).toBe(150);
    const other = await mixDatasets(sources, { output: join(dir, 'mix3.json'), total: 150, seed: 6 });
    expect(await readFile(join(dir, 'mix3.json'), 'utf8')).not.toBe(await readFile(join(dir, 'mix.json'), 'utf8'));
    expect(other.stats.records).toBe(150);
  });

  it('multiplies sources without a total (repeating when the weight is above 1), caps them, and writes the stats', async () => {
    const dir = await setup({ 'a.json': JSON.stringify(vqaRecords('a', 10)), 'b.json': JSON.stringify(vqaRecords('b', 40)) });
    const result = await mixDatasets(
      [
        { name: 'a', file: join(dir, 'a.json'), weight: 2.5 },
        { name: 'b', file: join(dir, 'b.json'), cap: 12 },
      ],
      { output: join(dir, 'out', 'mix.jsonl'), seed: 1, tokens: await createTokenCounter({ tokenizer: createByteTokenizer(), template: 'vicuna_v1' }) },
    );
    expect(result.stats.sources.map((s) => s.records)).toEqual([25, 12]);
    const lines = (await readFile(join(dir, 'out', 'mix.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(37);
    const idsOfA = lines.map((l) => JSON.parse(l) as { id: string; source: string }).filter((r) => r.source === 'a').map((r) => r.id);
    for (let k = 0; k < 10; k++) expect(idsOfA.filter((id) => id === `a-${k}`).length).toBeGreaterThanOrEqual(2);
    const stats = JSON.parse(await readFile(result.statsFiles.json, 'utf8'));
    expect(stats.turns).toBe(37);
    expect(stats.tokens).toBeGreaterThan(stats.trainedTokens);
    expect(stats.sources[0].tokens + stats.sources[1].tokens).toBe(stats.tokens);
    const markdown = await readFile(result.statsFiles.markdown, 'utf8');
    expect(markdown).toContain('| a | 10 | 0 | 0 | 25 | 67.6% | 25 |');
    expect(markdown).toContain('bytes tokenizer, vicuna_v1 template');
  });

  it('counts tokens with the bundled LLaMA-2 tokenizer and reports invalid rows without stopping', async () => {
    const good = vqaRecords('g', 3);
    const dir = await setup({ 'g.json': JSON.stringify([...good, { id: 'bad', conversations: [] }, 5]) });
    const counter = await createTokenCounter({ tokenizer: 'llama-2', template: 'vicuna_v1' });
    const result = await mixDatasets([{ name: 'g', file: join(dir, 'g.json') }], { output: join(dir, 'mix.json'), tokens: counter });
    expect(result.stats.records).toBe(3);
    expect(result.stats.invalid).toBe(2);
    expect(result.issues.map((i) => i.index)).toEqual([3, 4]);
    expect(result.stats.tokenizer).toBe('llama-2 tokenizer, vicuna_v1 template');
    // one record: system + USER/ASSISTANT tags + question + answer; LLaMA-2 pieces, far fewer than characters
    const perRecord = result.stats.tokens! / 3;
    expect(perRecord).toBeGreaterThan(40);
    expect(perRecord).toBeLessThan(80);
  });
});
