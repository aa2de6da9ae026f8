import type { LeakReason } from './leakage-rules';

/** Why a whole teacher output was rejected. Leak reasons appear when a description is all leakage. */
export type RejectionReason =
  | 'empty_output'
  | 'truncated'
  | 'unrecognised_format'
  | 'answer_without_question'
  | 'question_without_answer'
  | 'empty_turn'
  | 'no_complete_pair'
  | 'all_turns_dropped'
  | 'dialogue_in_description'
  | 'multiple_paragraphs'
  | 'too_short'
  | LeakReason;

/** A turn the filters removed, and why. */
export interface DroppedTurn {
  /** Index of the question/answer pair in the teacher output (0-based). */
  index: number;
  reason: LeakReason | 'unpaired_question';
  /** The text that triggered the rule. */
  match?: string;
  question?: string;
  answer?: string;
}

/** A sentence or phrase cut out of a kept turn, and why. */
export interface StrippedText {
  index: number;
  reason: LeakReason;
  text: string;
}

/** A successful parse: the value plus everything the filters removed, so a run can report it. */
export interface ParseSuccess<T> {
  ok: true;
  value: T;
  dropped: DroppedTurn[];
  stripped: StrippedText[];
  /** Text before the first turn marker (e.g. "Sure! Here is a conversation:"), ignored. */
  preamble?: string;
}

/** A rejected output: a reason code to count and a sentence to show. */
export interface ParseRejection {
  ok: false;
  reason: RejectionReason;
  message: string;
  dropped: DroppedTurn[];
}

/** What every parser of teacher output returns: the value, or a typed rejection. */
export type ParseOutcome<T> = ParseSuccess<T> | ParseRejection;

/** Builds a rejection. */
export function reject(reason: RejectionReason, message: string, dropped: DroppedTurn[] = []): ParseRejection {
  return { ok: false, reason, message, dropped };
}
