/** What a model is asked: the question text and, when the question has one, the image file. */
export interface AnswerInput {
  id: string;
  question: string;
  /** Absolute or cwd-relative path of the image file; absent for text-only questions. */
  imagePath?: string;
}

/**
 * A model under test: question + image path in, answer text out. Adapters: {@link openAIAnswerFn} for an
 * OpenAI-compatible vision chat endpoint, or any function wrapping a local checkpoint.
 */
export type AnswerFn = (input: AnswerInput) => Promise<string>;
