import { IGNORE_INDEX } from '../constants';
import { VlmError, type ErrorLocation } from '../errors/vlm-error';
import type { TextSpan } from '../format/spans';
import type { TokenizedConversation } from './tokenize-conversation';

/**
 * `right`: keep the first `maxLength` positions, moving the cut back so no image is split.
 * `turns`: keep whole rounds only (cut after the last stop string that fits).
 * `error`: throw `sequence_too_long`.
 */
export type TruncationMode = 'right' | 'turns' | 'error';

/** What truncation dropped. */
export interface TruncationReport {
  originalLength: number;
  droppedTokens: number;
  droppedTrainedTokens: number;
  /** Paths of the images whose placeholders were dropped (their features must not be fed). */
  droppedImages: string[];
}

export function truncateTokens(
  seq: TokenizedConversation,
  o: { maxLength: number; mode: TruncationMode; imageWidth: number; spans: readonly TextSpan[]; where: ErrorLocation },
): TokenizedConversation {
  const total = seq.inputIds.length;
  if (o.mode === 'error') {
    throw new VlmError('sequence_too_long', `The sequence has ${total} positions, more than maxLength ${o.maxLength}.`, {
      location: o.where,
      hint: 'Raise maxLength, shorten the record, or use truncation "right" or "turns".',
    });
  }
  let cut = o.maxLength;
  // Never inside an image: an image's positions are kept whole or dropped whole.
  for (const p of seq.imagePositions) if (p < cut && p + o.imageWidth > cut) cut = p;
  if (o.mode === 'turns') {
    let best = 0;
    for (const s of o.spans) {
      if (s.part !== 'stop') continue;
      // the last position whose characters end at or before the stop's end
      for (let i = 0; i < cut; i++) if (seq.offsets[2 * i + 1] === s.end && seq.labels[i] !== IGNORE_INDEX) best = Math.max(best, i + 1);
    }
    cut = best;
  }
  const keptImages = seq.imagePositions.filter((p) => p < cut).length;
  let droppedTrained = 0;
  for (let i = cut; i < total; i++) if (seq.labels[i] !== IGNORE_INDEX) droppedTrained++;
  return {
    ...seq,
    inputIds: seq.inputIds.slice(0, cut),
    labels: seq.labels.slice(0, cut),
    attentionMask: seq.attentionMask.slice(0, cut),
    offsets: seq.offsets.slice(0, 2 * cut),
    imagePositions: seq.imagePositions.slice(0, keptImages),
    images: seq.images.slice(0, keptImages),
    trainedTokens: seq.trainedTokens - droppedTrained,
    truncation: {
      originalLength: total,
      droppedTokens: total - cut,
      droppedTrainedTokens: droppedTrained,
      droppedImages: seq.images.slice(keptImages),
    },
  };
}
