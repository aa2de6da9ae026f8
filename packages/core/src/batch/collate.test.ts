import { describe, expect, it } from 'vitest';
import { IGNORE_INDEX } from '../constants';
import { collate } from './collate';
import { packSequences } from './pack';

const seq = (ids: number[], trained: boolean[]) => ({
  inputIds: Int32Array.from(ids),
  labels: Int32Array.from(ids.map((id, i) => (trained[i] ? id : IGNORE_INDEX))),
});

describe('collate', () => {
  it('right-pads ids with the pad id, labels with -100 and the mask with 0', () => {
    const b = collate([seq([1, 5, 2], [false, true, true]), seq([1, 7], [false, true])], { padId: 2 });
    expect(b.length).toBe(3);
    expect(Array.from(b.inputIds)).toEqual([1, 5, 2, 1, 7, 2]);
    expect(Array.from(b.labels)).toEqual([IGNORE_INDEX, 5, 2, IGNORE_INDEX, 7, IGNORE_INDEX]);
    expect(Array.from(b.attentionMask)).toEqual([1, 1, 1, 1, 1, 0]);
  });

  it('pads to a multiple and rejects empty batches and overlong rows', () => {
    expect(collate([seq([1, 2, 3], [false, true, true])], { padId: 0, padToMultipleOf: 8 }).length).toBe(8);
    expect(() => collate([], { padId: 0 })).toThrow(expect.objectContaining({ code: 'batch_empty' }));
    expect(() => collate([seq([1, 2, 3], [true, true, true])], { padId: 0, length: 2 })).toThrow(expect.objectContaining({ code: 'sequence_too_long', location: { row: 0 } }));
    expect(() => collate([{ inputIds: Int32Array.of(1, 2), labels: Int32Array.of(1) }], { padId: 0 })).toThrow(expect.objectContaining({ code: 'labels_length_mismatch' }));
  });
});

describe('packSequences', () => {
  it('packs first-fit decreasing with per-sequence positions and ids', () => {
    const rows = packSequences([seq([1, 2, 3], [0, 1, 1].map(Boolean)), seq([4, 5, 6, 7, 8], [0, 0, 1, 1, 1].map(Boolean)), seq([9, 10], [0, 1].map(Boolean))], { length: 8, padId: 0 });
    expect(rows.map((r) => r.members)).toEqual([[1, 0], [2]]);
    expect(Array.from(rows[0]!.inputIds)).toEqual([4, 5, 6, 7, 8, 1, 2, 3]);
    expect(Array.from(rows[0]!.positionIds)).toEqual([0, 1, 2, 3, 4, 0, 1, 2]);
    expect(Array.from(rows[0]!.sequenceIds)).toEqual([1, 1, 1, 1, 1, 2, 2, 2]);
    expect(Array.from(rows[1]!.labels)).toEqual([IGNORE_INDEX, 10, ...Array(6).fill(IGNORE_INDEX)]);
    expect(Array.from(rows[1]!.sequenceIds)).toEqual([1, 1, 0, 0, 0, 0, 0, 0]);
    expect(() => packSequences([seq([1, 2, 3], [true, true, true])], { length: 2, padId: 0 })).toThrow(expect.objectContaining({ code: 'sequence_too_long' }));
  });
});
