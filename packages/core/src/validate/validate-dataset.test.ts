import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeImageExists } from '../node/index';
import { resolveImagePath } from './image-paths';
import { validateDataset } from './validate-dataset';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'vlm-validate-'));
  mkdirSync(join(root, '00453'));
  writeFileSync(join(root, '00453', '004539375.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
  writeFileSync(join(root, 'a.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const turn = (from: 'human' | 'gpt' | 'system', value: string) => ({ from, value });

describe('validateDataset', () => {
  it('lists every bad row with index, id, field and reason, and accepts good ones', async () => {
    const rows: unknown[] = [
      { id: '004539375', image: '00453/004539375.jpg', conversations: [turn('human', '<image>\nDescribe.'), turn('gpt', 'A slide.')] },
      { id: 'no-token', image: 'a.png', conversations: [turn('human', 'Describe.'), turn('gpt', 'X')] },
      { id: 'extra-token', conversations: [turn('human', '<image>\nDescribe.'), turn('gpt', 'X')] },
      { id: 'order', conversations: [turn('gpt', 'X'), turn('human', 'Q')] },
      { id: 'empty', conversations: [turn('human', 'Q'), turn('gpt', '  ')] },
      { id: 'missing', image: 'nope.jpg', conversations: [turn('human', '<image>\nQ'), turn('gpt', 'X')] },
      { id: 'escape', image: '../../etc/passwd', conversations: [turn('human', '<image>\nQ'), turn('gpt', 'X')] },
      { id: '004539375', conversations: [turn('human', 'Q'), turn('gpt', 'X')] },
      { id: 'bad-schema', conversations: [{ from: 'user', value: 'Q' }] },
      { id: 'late-image', image: 'a.png', conversations: [turn('human', 'Q'), turn('gpt', 'X'), turn('human', '<image>'), turn('gpt', 'Y')] },
      { id: 'answer-image', image: 'a.png', conversations: [turn('human', 'Q'), turn('gpt', '<image>')] },
      { id: 'system-late', conversations: [turn('human', 'Q'), turn('system', 'S'), turn('gpt', 'X')] },
      { id: 'abs', image: '/etc/hosts', conversations: [turn('human', '<image>\nQ'), turn('gpt', 'X')] },
      { id: 'multi', image: ['a.png', 'gone.png'], conversations: [turn('human', '<image>\n<image>\nCompare.'), turn('gpt', 'X')] },
    ];
    const report = await validateDataset(rows, { imageRoot: root, imageExists: nodeImageExists, file: 'data.json' });
    const byRow = (row: number) => report.issues.filter((i) => i.row === row).map((i) => `${i.field} ${i.reason.split(':')[0]}`);
    expect(byRow(0)).toEqual([]);
    expect(byRow(1)).toEqual(['conversations missing_image_token']);
    expect(byRow(2)).toEqual(['image extra_image_token']);
    expect(byRow(3)).toEqual(['conversations[0].from roles_out_of_order']);
    expect(byRow(4)).toEqual(['conversations[1].value empty_answer']);
    expect(byRow(5)).toEqual(['image image_missing']);
    expect(byRow(6)).toEqual(['image image_path_escapes_root']);
    expect(byRow(7)).toEqual(['id duplicate_id']);
    expect(byRow(8)).toContain('conversations[0].from schema');
    expect(byRow(9)).toEqual(['conversations[2].value image_not_in_first_turn']);
    expect(byRow(10)).toEqual(['conversations[1].value image_in_answer']);
    expect(byRow(11)).toEqual(['conversations[1].from roles_out_of_order']);
    expect(byRow(12)).toEqual(['image image_path_escapes_root']);
    expect(byRow(13)).toEqual(['image[1] image_missing']);
    expect(report.records).toBe(14);
    expect(report.validRecords).toBe(1);
    expect(report.issues.every((i) => i.file === 'data.json')).toBe(true);
    expect(report.issues.find((i) => i.row === 7)?.id).toBe('004539375');
    expect(report.counts.image_path_escapes_root).toBe(2);
  });

  it('decodes every existing image with the given decoder, a few at a time, naming row and field', async () => {
    const decoded: string[] = [];
    let running = 0;
    let most = 0;
    const imageDecodes = async (path: string) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      decoded.push(path);
      return path.endsWith('a.png') ? 'not a PNG: 4 bytes' : undefined;
    };
    const rows = [
      { id: 'good', image: '00453/004539375.jpg', conversations: [turn('human', '<image>\nQ'), turn('gpt', 'X')] },
      { id: 'bad', image: 'a.png', conversations: [turn('human', '<image>\nQ'), turn('gpt', 'X')] },
      { id: 'gone', image: 'gone.png', conversations: [turn('human', '<image>\nQ'), turn('gpt', 'X')] },
      ...Array.from({ length: 6 }, (_, i) => ({ id: `multi-${i}`, image: ['00453/004539375.jpg', 'a.png'], conversations: [turn('human', '<image>\n<image>\nQ'), turn('gpt', 'X')] })),
    ];
    const report = await validateDataset(rows, { imageRoot: root, imageExists: nodeImageExists, imageDecodes, decodeConcurrency: 2 });
    expect(report.issues.filter((i) => i.row === 1)).toEqual([{ file: undefined, row: 1, id: 'bad', field: 'image', reason: 'image_undecodable: not a PNG: 4 bytes' }]);
    expect(report.issues.filter((i) => i.row === 2).map((i) => i.reason.split(':')[0])).toEqual(['image_missing']);
    expect(report.issues.filter((i) => i.row === 3).map((i) => i.field)).toEqual(['image[1]']);
    expect(report.counts.image_undecodable).toBe(7);
    expect(decoded).toHaveLength(14); // missing files are not decoded
    expect(most).toBe(2);
  });

  it('skips file checks without a checker and path checks without a root', async () => {
    const rows = [{ id: 'x', image: '../x.jpg', conversations: [turn('human', '<image>\nQ'), turn('gpt', 'A')] }];
    expect((await validateDataset(rows)).issues).toEqual([]);
    expect((await validateDataset(rows, { imageRoot: root })).issues.map((i) => i.reason.split(':')[0])).toEqual(['image_path_escapes_root']);
  });
});

describe('resolveImagePath', () => {
  it('keeps paths inside the root and refuses the rest', () => {
    expect(resolveImagePath('/data/images/', '00453/./004539375.jpg')).toBe('/data/images/00453/004539375.jpg');
    expect(resolveImagePath('/data', 'a/../b.jpg')).toBe('/data/b.jpg');
    for (const bad of ['../x.jpg', 'a/../../x.jpg', '/etc/passwd', 'C:\\x.jpg', 'http://host/x.jpg', '', '.', 'a\0b']) expect(resolveImagePath('/data', bad), bad).toBeUndefined();
  });
});
