import { IGNORE_INDEX } from '../constants';
import { VlmError } from '../errors/vlm-error';

/** What collation needs from a tokenized sequence. */
export interface CollatableSequence {
  inputIds: Int32Array;
  labels: Int32Array;
  attentionMask?: Int32Array;
}

/** A right-padded batch, row-major `[batch, length]`. */
export interface Batch {
  batchSize: number;
  length: number;
  inputIds: Int32Array;
  /** `IGNORE_INDEX` at padding: labels are never derived from the pad id (pad may equal EOS). */
  labels: Int32Array;
  attentionMask: Int32Array;
}

/** Options of `collate`. */
export interface CollateOptions {
  padId: number;
  /** Pad to this length (default: the longest sequence); longer sequences are an error. */
  length?: number;
  /** Round the length up to a multiple (e.g. 8 for tensor cores). */
  padToMultipleOf?: number;
}

/** Stacks sequences into one right-padded batch: pad id in inputs, -100 in labels, 0 in the mask. */
export function collate(sequences: readonly CollatableSequence[], options: CollateOptions): Batch {
  if (sequences.length === 0) throw new VlmError('batch_empty', 'Cannot collate an empty batch.');
  let length = options.length ?? Math.max(...sequences.map((s) => s.inputIds.length));
  if (options.padToMultipleOf) length = Math.ceil(length / options.padToMultipleOf) * options.padToMultipleOf;
  const b = sequences.length;
  const inputIds = new Int32Array(b * length).fill(options.padId);
  const labels = new Int32Array(b * length).fill(IGNORE_INDEX);
  const attentionMask = new Int32Array(b * length);
  sequences.forEach((s, row) => {
    const n = s.inputIds.length;
    if (n > length) {
      throw new VlmError('sequence_too_long', `Sequence ${row} has ${n} positions, more than the batch length ${length}.`, {
        location: { row },
        hint: 'Truncate with tokenizeConversation({ maxLength }) first.',
      });
    }
    if (s.labels.length !== n) throw new VlmError('labels_length_mismatch', `Sequence ${row} has ${n} ids but ${s.labels.length} labels.`, { location: { row } });
    inputIds.set(s.inputIds, row * length);
    labels.set(s.labels, row * length);
    if (s.attentionMask) attentionMask.set(s.attentionMask, row * length);
    else attentionMask.fill(1, row * length, row * length + n);
  });
  return { batchSize: b, length, inputIds, labels, attentionMask };
}
