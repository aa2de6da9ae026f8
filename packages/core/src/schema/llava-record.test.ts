import { describe, expect, it } from 'vitest';
import { DatasetSchemaError, parseLlavaDataset } from './llava-record';

describe('parseLlavaDataset', () => {
  it('accepts single-image, multi-image and text-only records and keeps extra fields', () => {
    const records = parseLlavaDataset([
      { id: '000000033471', image: '000000033471.jpg', conversations: [{ from: 'human', value: '<image>\nWhat is this?' }, { from: 'gpt', value: 'A bus.' }] },
      { id: 7, image: ['a.png', 'b.png'], conversations: [{ from: 'human', value: '<image>\n<image>\nCompare.' }, { from: 'gpt', value: 'Same.' }], source: 'x' },
      { id: 'text', conversations: [{ from: 'human', value: 'Hi' }, { from: 'gpt', value: 'Hello.' }] },
    ]);
    expect(records.map((r) => r.id)).toEqual(['000000033471', '7', 'text']);
    expect((records[1] as Record<string, unknown>).source).toBe('x');
  });

  it('reports every bad row with its index, id and field', () => {
    let error: unknown;
    try {
      parseLlavaDataset(
        [
          { id: 'ok', conversations: [{ from: 'human', value: 'q' }, { from: 'gpt', value: 'a' }] },
          { id: 'bad-role', conversations: [{ from: 'user', value: 'q' }] },
          { conversations: [{ from: 'human', value: 'q' }] },
        ],
        { file: 'data.json' },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DatasetSchemaError);
    const issues = (error as DatasetSchemaError).issues;
    expect(issues).toContainEqual(expect.objectContaining({ row: 1, id: 'bad-role', field: 'conversations[0].from', file: 'data.json' }));
    expect(issues).toContainEqual(expect.objectContaining({ row: 2, field: 'id' }));
  });
});
