import { IGNORE_INDEX } from '../constants';
import { VlmError } from '../errors/vlm-error';
import type { CollatableSequence } from './collate';

/** One packed row: several sequences back to back, each with its own position ids. */
export interface PackedRow {
  inputIds: Int32Array;
  labels: Int32Array;
  /** Restart at 0 for each sequence, so attention can be kept within a sequence. */
  positionIds: Int32Array;
  /** Sequence number (1-based) of each position, 0 at padding: a block-diagonal attention mask. */
  sequenceIds: Int32Array;
  /** Indices of the packed sequences in the input. */
  members: number[];
}

/**
 * Packs sequences into rows of `length` positions (first-fit decreasing). Every row is padded to
 * `length`; labels at the first position of each sequence stay as given, so nothing leaks across
 * sequences once the trainer shifts labels within each `sequenceIds` block.
 */
export function packSequences(sequences: readonly CollatableSequence[], options: { length: number; padId: number }): PackedRow[] {
  const order = sequences.map((s, i) => i).sort((a, b) => sequences[b]!.inputIds.length - sequences[a]!.inputIds.length || a - b);
  const rows: { used: number; members: number[] }[] = [];
  for (const i of order) {
    const n = sequences[i]!.inputIds.length;
    if (n > options.length) {
      throw new VlmError('sequence_too_long', `Sequence ${i} has ${n} positions, more than the packing length ${options.length}.`, { location: { row: i } });
    }
    const row = rows.find((r) => r.used + n <= options.length);
    if (row) {
      row.used += n;
      row.members.push(i);
    } else rows.push({ used: n, members: [i] });
  }
  return rows.map((r) => {
    const inputIds = new Int32Array(options.length).fill(options.padId);
    const labels = new Int32Array(options.length).fill(IGNORE_INDEX);
    const positionIds = new Int32Array(options.length);
    const sequenceIds = new Int32Array(options.length);
    let at = 0;
    r.members.forEach((m, k) => {
      const s = sequences[m]!;
      inputIds.set(s.inputIds, at);
      labels.set(s.labels, at);
      for (let j = 0; j < s.inputIds.length; j++) {
        positionIds[at + j] = j;
        sequenceIds[at + j] = k + 1;
      }
      at += s.inputIds.length;
    });
    return { inputIds, labels, positionIds, sequenceIds, members: r.members };
  });
}
