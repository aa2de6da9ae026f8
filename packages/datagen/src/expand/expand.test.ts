import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { briefDescriptionQuestions, conceptAlignmentQuestions } from '@vlm/prompts';
import { describe, expect, it } from 'vitest';

import { expandCaptions } from './expand-captions';
import { parseDelimited } from './parse-delimited';
import { readCaptionPairs } from './read-caption-pairs';

const dir = () => mkdtempSync(join(tmpdir(), 'expand-'));

describe('readCaptionPairs', () => {
  it('reads CSV with quotes and TSV', () => {
    const d = dir();
    writeFileSync(join(d, 'a.csv'), '\ufeffimage,caption\r\nimg/1.jpg,"A dog, running"\r\nimg/2.jpg,"He said ""hi""\nthen left"\r\n');
    expect(readCaptionPairs(join(d, 'a.csv'))).toEqual([
      { id: '1', image: 'img/1.jpg', caption: 'A dog, running' },
      { id: '2', image: 'img/2.jpg', caption: 'He said "hi"\nthen left' },
    ]);
    writeFileSync(join(d, 'b.tsv'), 'id\tfile_name\ttext\nx7\tp.png\tA cat\n');
    expect(readCaptionPairs(join(d, 'b.tsv'))).toEqual([{ id: 'x7', image: 'p.png', caption: 'A cat' }]);
  });

  it('reads LLaVA JSON and JSONL, and reports every bad row', () => {
    const d = dir();
    writeFileSync(join(d, 'l.json'), JSON.stringify([{ id: 'r1', image: 'r1.jpg', conversations: [{ from: 'human', value: '<image>\nDescribe.' }, { from: 'gpt', value: 'A boat.' }] }]));
    expect(readCaptionPairs(join(d, 'l.json'))).toEqual([{ id: 'r1', image: 'r1.jpg', caption: 'A boat.' }]);
    writeFileSync(join(d, 'p.jsonl'), '{"image":"a.png","caption":"ok"}\n{"image":"b.png"}\nnot json\n{"caption":"x"}\n');
    expect(() => readCaptionPairs(join(d, 'p.jsonl'))).toThrow(/3 bad row\(s\)[\s\S]*row 1: needs a caption[\s\S]*row 3: needs an image[\s\S]*row 2: not valid JSON/);
    writeFileSync(join(d, 'bad.csv'), 'image,caption\na.png\n');
    expect(() => readCaptionPairs(join(d, 'bad.csv'))).toThrow(/1 fields, header has 2/);
  });

  it('parses delimited text edge cases', () => {
    expect(parseDelimited('a,b\n\n"x\r\ny",\n', ',').map((r) => r.fields)).toEqual([['a', 'b'], ['x\r\ny', '']]);
  });
});

describe('expandCaptions', () => {
  const pairs = Array.from({ length: 200 }, (_, i) => ({ id: `p${i}`, image: `${i}.jpg`, caption: `Caption ${i}.` }));

  it('makes one-turn records with a brief-description question and the image on either side by seed', () => {
    const records = expandCaptions(pairs, { seed: 1 });
    expect(records).toHaveLength(200);
    const first = records.map((r) => r.conversations[0]!.value);
    const before = first.filter((v) => v.startsWith('<image>\n')).length;
    expect(before).toBeGreaterThan(60);
    expect(before).toBeLessThan(140);
    for (const [i, r] of records.entries()) {
      expect(r.conversations).toHaveLength(2);
      expect(r.conversations[1]).toEqual({ from: 'gpt', value: `Caption ${i}.` });
      expect(briefDescriptionQuestions).toContain(r.conversations[0]!.value.replace('<image>', '').trim());
    }
    expect(expandCaptions(pairs, { seed: 1 })).toEqual(records);
    expect(expandCaptions(pairs, { seed: 2 })).not.toEqual(records);
    // a record's draws depend on its id only, not on its neighbours
    expect(expandCaptions(pairs.slice(5, 6), { seed: 1 })).toEqual([records[5]]);
  });

  it('supports the LLaVA-Med form, fixed placement and repeated images', () => {
    const med = expandCaptions([{ id: 'a', image: 'a.jpg', caption: 'CT scan.' }, { id: 'a', image: 'a.jpg', caption: 'Axial CT.' }], { form: 'llava-med', placement: 'after' });
    expect(med.map((r) => r.id)).toEqual(['a', 'a-1']);
    expect(med[0]!.conversations[0]!.value.endsWith('\n<image>')).toBe(true);
    expect(conceptAlignmentQuestions).toContain(med[0]!.conversations[0]!.value.replace('\n<image>', ''));
    expect(med[0]!.source).toBe('llava-med/concept-alignment');
  });
});
