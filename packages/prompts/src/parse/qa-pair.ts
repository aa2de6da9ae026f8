/** One question and its answer, the unit every conversation parser produces. */
export interface QaPair {
  question: string;
  answer: string;
}

/** How a teacher writes a multi-turn conversation. */
export type ConversationFormat =
  /** LLaVA: `Question:\n…\n===\nAnswer:\n…` blocks separated by `===` lines. */
  | 'question-answer-blocks'
  /** LLaVA-Med: `User: …` / `Assistant: …` lines. */
  | 'user-assistant'
  /** Quilt-LLaVA: `User:[…]` / `GPT:[…]` turns. */
  | 'quilt-user-gpt';

/**
 * What a teacher is asked to return: a conversation, one description (`paragraph`), free text (agent
 * messages), or judge scores (parsed by @vlm/eval, not here).
 */
export type ResponseFormat = ConversationFormat | 'paragraph' | 'free-text' | 'judge-scores';

/** The conversation formats, for validation and iteration. */
export const conversationFormats: readonly ConversationFormat[] = ['question-answer-blocks', 'user-assistant', 'quilt-user-gpt'];
