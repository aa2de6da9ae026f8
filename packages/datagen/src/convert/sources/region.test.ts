import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { convertDataset } from '../convert-dataset';
import { formatRegionBox, normalizeXywhBox } from '../boxes';
import { BOX_TO_DESCRIPTION_PROMPT, REGION_TO_BOX_PROMPT } from '../response-format';
import { convertFixture, fixture } from './__fixtures__/convert-fixture';
import { parseLlavaDataset } from '@vlm/core';
import { readFile } from 'node:fs/promises';

function turns(record: { conversations: { from: string; value: string }[] }): Map<string, string> {
  const out = new Map<string, string>();
  for (let k = 0; k < record.conversations.length; k += 2) {
    out.set(record.conversations[k]!.value.replace('<image>\n', ''), record.conversations[k + 1]!.value);
  }
  return out;
}

// Expected boxes were computed with LLaVA-1.5's rule in Python: pad the shorter side to a square,
// centred at (long - short) // 2, divide by the long side, print round(x, 2).
describe('boxes', () => {
  it('normalises against the padded square by default, as LLaVA-1.5 (the 640x480 example of issue #21)', () => {
    expect(formatRegionBox(normalizeXywhBox([12.8, 48, 300.8, 403.2], 640, 480)!)).toBe('[0.02, 0.2, 0.49, 0.83]');
    expect(formatRegionBox(normalizeXywhBox([12.8, 48, 300.8, 403.2], 640, 480, 'per-axis')!)).toBe('[0.02, 0.1, 0.49, 0.94]');
    // portrait image: the padding is on x
    expect(formatRegionBox(normalizeXywhBox([103.93, 299.99, 134.22, 177.42], 427, 640)!)).toBe('[0.33, 0.47, 0.54, 0.75]');
    expect(formatRegionBox(normalizeXywhBox([103.93, 299.99, 134.22, 177.42], 427, 640, 'per-axis')!)).toBe('[0.24, 0.47, 0.56, 0.75]');
  });

  it('clamps to the image before padding, prints like Python round(x, 2), and rejects degenerate boxes', () => {
    expect(formatRegionBox(normalizeXywhBox([-5, 10, 700, 20], 640, 480)!)).toBe('[0.0, 0.14, 1.0, 0.17]');
    expect(formatRegionBox(normalizeXywhBox([-5, 10, 700, 20], 640, 480, 'per-axis')!)).toBe('[0.0, 0.02, 1.0, 0.06]');
    expect(formatRegionBox([0.125, 0.375, 0.005, 1])).toBe('[0.12, 0.38, 0.01, 1.0]');
    expect(normalizeXywhBox([0, 0, 0, 10], 640, 480)).toBeUndefined();
    expect(normalizeXywhBox([0, 0, 10, 10], 0, 480)).toBeUndefined();
  });
});

describe('RefCOCO converter', () => {
  const inputs = { instances: 'instances.json', refs: 'refs_unc.json' };

  it('asks each expression once, one way or the other (as upstream), merged per image', async () => {
    const { records } = await convertFixture('refcoco', inputs, { seed: 4 });
    expect(records).toHaveLength(1);
    const asked = [...turns(records[0]!)].map(([q, a]) =>
      q.startsWith(REGION_TO_BOX_PROMPT) ? `${q.slice(REGION_TO_BOX_PROMPT.length + 1)} -> ${a}` : `${a} <- ${q.slice(BOX_TO_DESCRIPTION_PROMPT.length + 1)}`,
    );
    // three expressions, each once: as "expression. -> box" or as "Expression. <- box."
    expect(asked).toHaveLength(3);
    const box1 = '[0.33, 0.47, 0.54, 0.75]';
    for (const [expression, box] of [['the lady with the blue shirt', box1], ['lady w back to us', box1], ['left person', '[0.17, 0.0, 0.5, 0.5]']] as const) {
      const capitalised = `${expression.charAt(0).toUpperCase()}${expression.slice(1)}.`;
      expect(asked.filter((line) => line === `${expression}. -> ${box}` || line === `${capitalised} <- ${box}.`)).toHaveLength(1);
    }
  });

  it('with direction "both", asks for the box of each expression and for a description of each box, in upstream wording', async () => {
    const { records, report } = await convertFixture('refcoco', inputs, { seed: 4, direction: 'both' });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ id: '581857', image: 'train2014/COCO_train2014_000000581857.jpg', source: 'refcoco' });
    const qa = turns(records[0]!);
    expect(qa.size).toBe(5);
    expect(qa.get(`${REGION_TO_BOX_PROMPT} the lady with the blue shirt.`)).toBe('[0.33, 0.47, 0.54, 0.75]');
    expect(qa.get(`${REGION_TO_BOX_PROMPT} lady w back to us.`)).toBe('[0.33, 0.47, 0.54, 0.75]');
    expect(qa.get(`${REGION_TO_BOX_PROMPT} left person.`)).toBe('[0.17, 0.0, 0.5, 0.5]');
    expect(['The lady with the blue shirt.', 'Lady w back to us.']).toContain(qa.get(`${BOX_TO_DESCRIPTION_PROMPT} [0.33, 0.47, 0.54, 0.75].`));
    expect(qa.get(`${BOX_TO_DESCRIPTION_PROMPT} [0.17, 0.0, 0.5, 0.5].`)).toBe('Left person.');
    expect(report.issues).toEqual([expect.objectContaining({ index: 3, key: '3', reason: 'ann_id 999 is not in instances.json' })]);
  });

  it("reads the published refs(unc).p pickle the same as its JSON export", async () => {
    const fromJson = await convertFixture('refcoco', inputs, { seed: 4 });
    const fromPickle = await convertFixture('refcoco', { instances: 'instances.json', refs: 'refs(unc).p' }, { seed: 4 });
    expect(fromPickle.records).toEqual(fromJson.records);
    expect(fromPickle.report.issues).toEqual([expect.objectContaining({ index: 3, key: '3', reason: 'ann_id 999 is not in instances.json' })]);
  });

  it('keeps one direction, another split, per-axis boxes on request, and reads refs wrapped in {"refs": [...]}', async () => {
    const box = await convertFixture('refcoco', inputs, { direction: 'box', merge: false });
    expect(box.records.map((r) => r.id)).toEqual(['0_box_0', '0_box_1', '1_box_0']);
    const val = await convertFixture('refcocog', inputs, { split: 'val', direction: 'description' });
    expect(val.records).toEqual([
      {
        id: '9',
        image: 'train2014/COCO_train2014_000000000009.jpg',
        source: 'refcocog',
        conversations: [
          { from: 'human', value: '<image>\nPlease provide a short description for this region: [0.5, 0.5, 1.0, 0.88].' },
          { from: 'gpt', value: 'Bottom right bowl.' },
        ],
      },
    ]);
    const perAxis = await convertFixture('refcocog', inputs, { split: 'val', direction: 'description', boxes: 'per-axis' });
    expect(perAxis.records[0]!.conversations[0]!.value).toBe('<image>\nPlease provide a short description for this region: [0.5, 0.5, 1.0, 1.0].');
  });

  it('draws the direction of each expression with boxRatio', async () => {
    const { records } = await convertFixture('refcoco', inputs, { direction: 'mix', merge: false, boxRatio: 0 });
    expect(records.map((r) => r.id)).toEqual(['0_desc_0', '0_desc_1', '1_desc_0']);
    expect(records.map((r) => r.conversations[1]!.value)).toEqual(['The lady with the blue shirt.', 'Lady w back to us.', 'Left person.']);
    const boxes = await convertFixture('refcoco', inputs, { direction: 'mix', merge: false, boxRatio: 1 });
    expect(boxes.records.map((r) => r.id)).toEqual(['0_box_0', '0_box_1', '1_box_0']);
  });
});

describe('Visual Genome converter', () => {
  const inputs = { regions: 'region_descriptions.json', images: 'image_data.json' };

  it('asks each region one way by default (both directions in the data), with the image folder from image_data.json', async () => {
    const { records, report } = await convertFixture('vg', inputs, { merge: true, seed: 1 });
    expect(records.map((r) => [r.id, r.image])).toEqual([
      ['1', 'VG_100K_2/1.jpg'],
      ['10', 'VG_100K/10.jpg'],
    ]);
    const qa = new Map([...records.flatMap((r) => [...turns(r)])]);
    // every region exactly once, in one direction or the other
    expect(qa.size).toBe(3);
    const asked = (box: string, phrase: string) =>
      qa.get(`${BOX_TO_DESCRIPTION_PROMPT} ${box}.`) === `${phrase.charAt(0).toUpperCase()}${phrase.slice(1)}.` ||
      qa.get(`${REGION_TO_BOX_PROMPT} ${phrase}.`) === box;
    expect(asked('[0.53, 0.2, 0.63, 0.37]', 'the clock is green in colour')).toBe(true);
    expect(asked('[0.0, 0.12, 1.0, 0.88]', 'shade is along the street')).toBe(true);
    expect(asked('[0.25, 0.38, 0.75, 0.62]', 'a man riding a bike')).toBe(true);
    expect(report.issues.map((i) => [i.key, i.reason])).toEqual([
      ['1', 'region 1384: degenerate box'],
      ['77', 'image 77 is not in image_data.json'],
    ]);
  });

  it('writes the upstream record shape for one direction', async () => {
    const { records } = await convertFixture('vg', inputs, { direction: 'description' });
    expect(records[1]).toEqual({
      id: '10',
      image: 'VG_100K/10.jpg',
      source: 'vg',
      conversations: [
        { from: 'human', value: '<image>\nPlease provide a short description for this region: [0.25, 0.38, 0.75, 0.62].' },
        { from: 'gpt', value: 'A man riding a bike.' },
      ],
    });
    const box = await convertFixture('vg', inputs, { direction: 'box' });
    expect(box.records[1]!.conversations).toEqual([
      { from: 'human', value: '<image>\nPlease provide the bounding box coordinate of the region this sentence describes: a man riding a bike.' },
      { from: 'gpt', value: '[0.25, 0.38, 0.75, 0.62]' },
    ]);
  });

  it('samples at most N regions per image and can ask for both directions of every region', async () => {
    const { records } = await convertFixture('vg', inputs, { maxRegionsPerImage: 1, direction: 'both', seed: 2 });
    expect(records.map((r) => r.conversations.length)).toEqual([4, 4]);
  });

  it('mixes the directions with the requested ratio, seeded per region', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vlm-vg-mix-'));
    const regions = Array.from({ length: 400 }, (_, k) => ({ region_id: 1000 + k, x: k % 50, y: 10, width: 20, height: 30, image_id: 1, phrase: `thing ${k}` }));
    await writeFile(join(dir, 'region_descriptions.json'), JSON.stringify([{ id: 1, regions }]));
    const share = async (boxRatio: number | undefined, seed: number) => {
      const out = join(dir, `out-${boxRatio}-${seed}.json`);
      await convertDataset('vg', { regions: join(dir, 'region_descriptions.json'), images: fixture('image_data.json') }, out, { merge: false, boxRatio, seed });
      const records = parseLlavaDataset(JSON.parse(await readFile(out, 'utf8')));
      expect(records).toHaveLength(400);
      return records.filter((r) => r.id.endsWith('_box')).length / records.length;
    };
    const even = await share(undefined, 0);
    expect(even).toBeGreaterThan(0.4);
    expect(even).toBeLessThan(0.6);
    const mostlyBoxes = await share(0.8, 3);
    expect(mostlyBoxes).toBeGreaterThan(0.72);
    expect(mostlyBoxes).toBeLessThan(0.88);
  });

  it('refuses a mix ratio outside 0..1 before reading anything', async () => {
    await expect(convertFixture('vg', inputs, { boxRatio: 1.5 })).rejects.toMatchObject({ code: 'bad_option', location: { field: 'boxRatio' } });
  });
});
