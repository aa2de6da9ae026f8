import { z } from 'zod';
import { defineTeacherPrompt } from '../chat/define-teacher-prompt';
import examples from '../few-shot/data/pathgen-summary.json';

/** CLIP's text context, both special tokens included. */
export const CLIP_CONTEXT_TOKENS = 77;

/**
 * A word budget for a token budget: the special tokens are taken off, and 0.75 words per token is a
 * conservative ratio for CLIP's BPE on pathology prose (long medical words split into several tokens).
 * The caller still checks the result with the real tokenizer.
 */
export function summaryWordBudget(maxTokens: number): number {
  return Math.max(1, Math.floor((maxTokens - 2) * 0.75));
}

/** A long description and the token budget of the summary (default CLIP's 77). */
export const summaryInputSchema = z.object({
  description: z.string().trim().min(1),
  maxTokens: z.number().int().min(8).default(CLIP_CONTEXT_TOKENS),
});

/** Our wording of PathGen's summarisation instructions. */
export const summarySystemMessage = [
  'You summarise descriptions of H&E histopathology image patches so that they fit the text encoder of an image-text retrieval model, which reads only a limited number of tokens.',
  'Keep the most distinctive observable findings (tissue type, architecture, key cellular and nuclear features) and the conclusion, if there is one; drop repetition and secondary details. Do not add anything that is not in the description.',
  'Return only the summary, as one paragraph within the word limit you are given.',
].join('\n');

/** PathGen summarisation under a token budget (one paragraph out). */
export const pathgenSummaryPrompt = defineTeacherPrompt({
  id: 'pathgen/summary',
  version: '1',
  title: 'PathGen summary under a CLIP token budget',
  inputSchema: summaryInputSchema,
  responseFormat: 'paragraph',
  generation: { temperature: 0, maxTokens: 200 },
  system: summarySystemMessage,
  renderQuery: (input) =>
    `Summarise in at most ${summaryWordBudget(input.maxTokens)} words (the encoder reads ${input.maxTokens - 2} tokens).\n\nDescription:\n${input.description}`,
  examples,
});
