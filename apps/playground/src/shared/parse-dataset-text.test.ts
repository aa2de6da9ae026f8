import { VlmError } from '@vlm/core';
import { describe, expect, it } from 'vitest';
import { parseDatasetText, serializeDataset } from './parse-dataset-text';

const record = { id: 'a', conversations: [{ from: 'human', value: 'hi' }, { from: 'gpt', value: 'yo' }] };

describe('parseDatasetText', () => {
  it('reads a JSON array, one record and JSONL', () => {
    expect(parseDatasetText(JSON.stringify([record, record])).rows).toHaveLength(2);
    const one = parseDatasetText(JSON.stringify(record, null, 2));
    expect(one).toMatchObject({ format: 'json', rows: [{ row: 0, value: record }] });
    const lines = parseDatasetText(`${JSON.stringify(record)}\n\n${JSON.stringify({ ...record, id: 'b' })}\n`);
    expect(lines.format).toBe('jsonl');
    expect(lines.rows.map((r) => [r.row, r.line])).toEqual([
      [0, 1],
      [1, 3],
    ]);
  });

  it('keeps every JSONL row and gives the broken one its row and line', () => {
    const text = `${JSON.stringify(record)}\n{"id": "b", "conversations": [\n${JSON.stringify(record)}`;
    const { rows } = parseDatasetText(text, 'data.jsonl');
    expect(rows).toHaveLength(3);
    expect(rows[1]!.error).toBeInstanceOf(VlmError);
    expect(rows[1]!.error!.code).toBe('json_syntax');
    expect(rows[1]!.error!.location).toEqual({ file: 'data.jsonl', row: 1 });
    expect(rows[1]!.error!.message).toContain('line 2');
    expect(rows[2]!.value).toEqual(record);
  });

  it('names the file of a broken JSON array, and refuses empty input', () => {
    expect.assertions(3);
    try {
      parseDatasetText('[\n{"id": 1},\n{"id": }\n]', 'd.json');
    } catch (error) {
      expect((error as VlmError).code).toBe('json_syntax');
      expect((error as VlmError).location.file).toBe('d.json');
    }
    expect(() => parseDatasetText('  \n')).toThrow(VlmError);
  });

  it('writes records back in their format', () => {
    expect(serializeDataset([record], 'jsonl')).toBe(`${JSON.stringify(record)}\n`);
    expect(JSON.parse(serializeDataset([record], 'json'))).toEqual([record]);
  });
});
