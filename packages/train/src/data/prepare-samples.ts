import { type ConversationRecord, IGNORE_INDEX, type Tokenizer, formatConversation, tokenizeConversation } from '@vlm/core';

/** One training sample: ids with one -200 per image, aligned labels, and its image paths. */
export interface TrainSample {
  id: string;
  inputIds: number[];
  labels: number[];
  images: string[];
  /** Labels that count in the loss after the causal shift. */
  trainedTokens: number;
}

/** Options of {@link prepareSamples}. */
export interface PrepareOptions {
  tokenizer: Tokenizer;
  template: string;
  /** Replaces the template's system message (a `system` turn put first). */
  systemMessage?: string;
  /** Longest spliced sequence; needs `imageTokens` to account for the image features. */
  maxLength?: number;
  /** Positions one image takes after splicing (the connector's output tokens). */
  imageTokens?: number;
  lastTurnOnly?: boolean;
  /** Seed for image placement (the template's formatting is otherwise deterministic). */
  seed?: number;
}

/** Puts a system turn first (replacing one that is there). */
export function withSystemMessage<R extends ConversationRecord>(record: R, system: string | undefined): R {
  if (system === undefined) return record;
  const turns = record.conversations.filter((t, i) => !(i === 0 && t.from === 'system'));
  return { ...record, conversations: [{ from: 'system', value: system }, ...turns] };
}

/**
 * Formats one record with the template and tokenizes it with @vlm/core (labels from the template's
 * trained spans), keeping one -200 per image for the model to splice its features into. Throws the
 * `VlmError` of formatting or tokenizing, naming the row.
 */
export function prepareSample(record: ConversationRecord, row: number, options: PrepareOptions): TrainSample {
  const perImage = options.imageTokens ?? 1;
  const formatted = formatConversation(withSystemMessage(record, options.systemMessage), { template: options.template, row, seed: options.seed });
  const extra = formatted.images.length * (perImage - 1);
  const t = tokenizeConversation(formatted, options.tokenizer, {
    maxLength: options.maxLength === undefined ? undefined : Math.max(1, options.maxLength - extra),
    lastTurnOnly: options.lastTurnOnly,
  });
  const labels = Array.from(t.labels);
  let trained = 0;
  for (let i = 1; i < labels.length; i++) if (labels[i] !== IGNORE_INDEX) trained++;
  return { id: formatted.recordId ?? String(row), inputIds: Array.from(t.inputIds), labels, images: t.images, trainedTokens: trained };
}

/** {@link prepareSample} for every record; the first record that fails stops it (`preflightStages` lists them all). */
export function prepareSamples(records: readonly ConversationRecord[], options: PrepareOptions): TrainSample[] {
  return records.map((record, row) => prepareSample(record, row, options));
}
