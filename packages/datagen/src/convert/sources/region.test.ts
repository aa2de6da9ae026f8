import { describe, expect, it } from 'vitest';

import { formatRegionBox, normalizeXywhBox } from '../boxes';
import { BOX_TO_DESCRIPTION_PROMPT, REGION_TO_BOX_PROMPT } from '../response-format';
import { convertFixture } from './__fixtures__/convert-fixture';

function turns(record: { conversations: { from: string; value: string }[] }): Map<string, string> {
  const out = new Map<string, string>();
  for (let k = 0; k < record.conversations.length; k += 2) {
    out.set(record.conversations[k]!.value.replace('<image>\n', ''), record.conversations[k + 1]!.value);
  }
  return out;
}

describe('boxes', () => {
  it('normalises COCO [x, y, w, h] to corners with two decimals, clamped, and rejects degenerate boxes', () => {
    expect(formatRegionBox(normalizeXywhBox([103.93, 299.99, 134.22, 177.42], 427, 640)!)).toBe('[0.24, 0.47, 0.56, 0.75]');
    expect(formatRegionBox(normalizeXywhBox([-5, 10, 700, 20], 640, 480)!)).toBe('[0.00, 0.02, 1.00, 0.06]');
    expect(normalizeXywhBox([0, 0, 0, 10], 640, 480)).toBeUndefined();
    expect(normalizeXywhBox([0, 0, 10, 10], 0, 480)).toBeUndefined();
  });
});

describe('RefCOCO converter', () => {
  const inputs = { instances: 'instances.json', refs: 'refs_unc.json' };

  it('asks for the box of each expression and for a description of each box, merged per image', async () => {
    const { records, report } = await convertFixture('refcoco', inputs, { seed: 4 });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ id: '581857', image: 'train2014/COCO_train2014_000000581857.jpg', source: 'refcoco' });
    const qa = turns(records[0]!);
    expect(qa.size).toBe(5);
    expect(qa.get(`${REGION_TO_BOX_PROMPT} the lady with the blue shirt`)).toBe('[0.24, 0.47, 0.56, 0.75]');
    expect(qa.get(`${REGION_TO_BOX_PROMPT} lady w back to us`)).toBe('[0.24, 0.47, 0.56, 0.75]');
    expect(qa.get(`${REGION_TO_BOX_PROMPT} left person`)).toBe('[0.00, 0.00, 0.50, 0.50]');
    expect(['the lady with the blue shirt', 'lady w back to us']).toContain(qa.get(`${BOX_TO_DESCRIPTION_PROMPT} [0.24, 0.47, 0.56, 0.75]`));
    expect(qa.get(`${BOX_TO_DESCRIPTION_PROMPT} [0.00, 0.00, 0.50, 0.50]`)).toBe('left person');
    expect(report.issues).toEqual([expect.objectContaining({ index: 3, key: '3', reason: 'ann_id 999 is not in instances.json' })]);
  });

  it("reads the published refs(unc).p pickle the same as its JSON export", async () => {
    const fromJson = await convertFixture('refcoco', inputs, { seed: 4 });
    const fromPickle = await convertFixture('refcoco', { instances: 'instances.json', refs: 'refs(unc).p' }, { seed: 4 });
    expect(fromPickle.records).toEqual(fromJson.records);
    expect(fromPickle.report.issues).toEqual([expect.objectContaining({ index: 3, key: '3', reason: 'ann_id 999 is not in instances.json' })]);
  });

  it('keeps one direction, another split, and reads refs wrapped in {"refs": [...]}', async () => {
    const box = await convertFixture('refcoco', inputs, { direction: 'box', merge: false });
    expect(box.records.map((r) => r.id)).toEqual(['0_box_0', '0_box_1', '1_box_0']);
    const val = await convertFixture('refcocog', inputs, { split: 'val', direction: 'description' });
    expect(val.records).toEqual([
      {
        id: '2_desc',
        image: 'train2014/COCO_train2014_000000000009.jpg',
        source: 'refcocog',
        conversations: [
          { from: 'human', value: `<image>\n${BOX_TO_DESCRIPTION_PROMPT} [0.50, 0.50, 1.00, 1.00]` },
          { from: 'gpt', value: 'bottom right bowl' },
        ],
      },
    ]);
  });
});

describe('Visual Genome converter', () => {
  const inputs = { regions: 'region_descriptions.json', images: 'image_data.json' };

  it('describes each region box, with the image folder from image_data.json', async () => {
    const { records, report } = await convertFixture('vg', inputs, { merge: true });
    expect(records.map((r) => [r.id, r.image, r.conversations.length])).toEqual([
      ['1', 'VG_100K_2/1.jpg', 4],
      ['5001_desc', 'VG_100K/10.jpg', 2],
    ]);
    expect(records[1]!.conversations).toEqual([
      { from: 'human', value: `<image>\n${BOX_TO_DESCRIPTION_PROMPT} [0.25, 0.25, 0.75, 0.75]` },
      { from: 'gpt', value: 'a man riding a bike' },
    ]);
    expect(turns(records[0]!).get(`${BOX_TO_DESCRIPTION_PROMPT} [0.00, 0.00, 1.00, 1.00]`)).toBe('shade is along the street');
    expect(report.issues.map((i) => [i.key, i.reason])).toEqual([
      ['1', 'region 1384: degenerate box'],
      ['77', 'image 77 is not in image_data.json'],
    ]);
  });

  it('samples at most N regions per image and can ask for boxes too', async () => {
    const { records } = await convertFixture('vg', inputs, { maxRegionsPerImage: 1, direction: 'both', seed: 2 });
    expect(records.map((r) => r.conversations.length)).toEqual([4, 4]);
  });
});
