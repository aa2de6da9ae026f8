import { DatasetSchemaError, IGNORE_INDEX, VlmError, listTemplates, loadLlama2Tokenizer } from '@vlm/core';
import { describe, expect, it } from 'vitest';
import { inspectRecord } from './inspect-record';

const record = {
  id: 'cat-1',
  image: 'cat.png',
  conversations: [
    { from: 'human', value: '<image>\nWhat animal is this?' },
    { from: 'gpt', value: 'A cat.' },
    { from: 'human', value: 'What colour is it?' },
    { from: 'gpt', value: 'Orange.' },
  ],
};

describe('inspectRecord', () => {
  it('counts trained, total and image positions and draws every position once', async () => {
    const tok = await loadLlama2Tokenizer();
    const got = inspectRecord(record, 0, tok, { template: 'vicuna_v1', imageTokens: 4, addMissingSpecials: true });
    expect(got.counts.imagePositions).toBe(4);
    expect(got.counts.total).toBe(got.seq.inputIds.length);
    expect(got.counts.trained).toBe([...got.seq.labels].filter((l) => l !== IGNORE_INDEX).length);
    expect(got.cells.reduce((n, c) => n + c.positions, 0)).toBe(got.counts.total);
    expect(got.cells.filter((c) => c.kind === 'image')).toHaveLength(1);
    // the answers and their stop strings are what is trained
    const trainedText = got.cells.filter((c) => c.trained).map((c) => c.text).join('');
    expect(trainedText).toContain('cat.');
    expect(trainedText).toContain('Orange.');
    expect(trainedText).not.toContain('animal');
  });

  it('formats with every built-in template (adding missing special strings when asked)', async () => {
    const tok = await loadLlama2Tokenizer();
    for (const template of listTemplates()) {
      const got = inspectRecord(record, 0, tok, { template, imageTokens: 1, addMissingSpecials: true });
      expect(got.counts.trained, template).toBeGreaterThan(0);
    }
  });

  it('names the row and field of a bad record', async () => {
    const tok = await loadLlama2Tokenizer();
    const bad = { id: 'x', conversations: [{ from: 'human', value: 'hi' }, { from: 'robot', value: 'yo' }] };
    expect.assertions(3);
    try {
      inspectRecord(bad, 7, tok, { template: 'vicuna_v1', imageTokens: 1, addMissingSpecials: true });
    } catch (error) {
      expect(error).toBeInstanceOf(DatasetSchemaError);
      expect((error as DatasetSchemaError).issues[0]).toMatchObject({ row: 7, field: 'conversations[1].from' });
      expect((error as VlmError).code).toBe('dataset_schema');
    }
  });
});
