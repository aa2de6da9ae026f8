import type { LlavaRecordInput } from '@vlm/core';

/** Scalar extra fields carried into the record (answer type, modality, ...). */
export type PairFields = Record<string, string | number | boolean>;

/**
 * One question and its answer about one image (or none), as every converter produces it; the assembler
 * turns pairs into single-turn or merged multi-turn LLaVA records.
 */
export interface QaPair {
  /** Id of the question in the source; the record id when the pair stays single-turn. */
  id: string;
  /** Image path as written into the record; undefined for text-only questions. */
  image?: string;
  /** Id shared by all pairs of one image (COCO image id, ...); the merged record's id. */
  groupId?: string;
  /** Human turn; `<image>` is added unless the text already places it. */
  question: string;
  /**
   * Response-format prompt the assembler appends on its own line (`Answer the question using a single
   * word or phrase.`): to the first question of a record only, or to every one with
   * `responseFormatTurns: 'every'`. Sources that put their prompt inside `question` leave it unset.
   */
  responseFormat?: string;
  answer: string;
  fields?: PairFields;
}

/** A converter's output: a question-answer pair, or a whole record (ShareGPT conversations). */
export type ConverterItem = { pair: QaPair } | { record: LlavaRecordInput };
