import { describe, expect, it } from 'vitest';
import { imageFolderOf, validateFiles, type DecodeImage } from './validate-files';

// A decoder that accepts PNG signatures, standing in for createImageBitmap (the browser test uses the real one).
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const decodePng: DecodeImage = async (blob) => {
  const head = new Uint8Array(await blob.arrayBuffer()).slice(0, 8);
  return head.every((b, i) => b === PNG[i]);
};

const ok = (id: string, image: string) => ({ id, image, conversations: [{ from: 'human', value: '<image>\nWhat is it?' }, { from: 'gpt', value: 'A square.' }] });

describe('validateFiles', () => {
  it('lists every bad row and keeps the clean subset in the input format', async () => {
    const rows = [
      ok('a', 'a.png'),
      '{"id": "b", "conversations": [',
      { id: 'c', image: 'a.png', conversations: [{ from: 'gpt', value: 'first' }, { from: 'human', value: '<image>' }] },
      { id: 'd', image: 'a.png', conversations: [{ from: 'human', value: 'no placeholder' }, { from: 'gpt', value: 'x' }] },
      ok('e', 'missing.png'),
      ok('f', 'broken.png'),
      ok('g', 'a.png'),
      { id: 'h', conversations: [{ from: 'bot', value: 'x' }] },
    ];
    const text = rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n');
    const folder = imageFolderOf([
      { path: 'images/a.png', file: new Blob([PNG]) },
      { path: 'images/broken.png', file: new Blob(['not an image']) },
    ]);
    expect(folder.root).toBe('images');
    const got = await validateFiles(text, 'data.jsonl', folder, decodePng);
    expect(got.records).toBe(8);
    expect(got.validRecords).toBe(2);
    const byRow = new Map<number, string[]>();
    for (const i of got.issues) byRow.set(i.row, [...(byRow.get(i.row) ?? []), i.code]);
    expect([...byRow.keys()]).toEqual([1, 2, 3, 4, 5, 7]);
    expect(byRow.get(1)).toEqual(['json_syntax']);
    expect(byRow.get(2)).toContain('roles_out_of_order');
    expect(byRow.get(3)).toContain('missing_image_token');
    expect(byRow.get(4)).toEqual(['image_missing']);
    expect(byRow.get(5)).toEqual(['image_undecodable']);
    expect(byRow.get(7)).toContain('schema');
    expect(got.issues.find((i) => i.code === 'image_undecodable')).toMatchObject({ id: 'f', field: 'image' });
    expect(got.imagesDecoded).toBe(1);
    expect(got.cleanText.trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(['a', 'g']);
  });

  it('checks no files without a folder', async () => {
    const got = await validateFiles(JSON.stringify([ok('a', 'nowhere.png')]), 'd.json', undefined, decodePng);
    expect(got).toMatchObject({ imagesChecked: false, validRecords: 1, issues: [] });
    expect(JSON.parse(got.cleanText)).toHaveLength(1);
  });
});
