import type { ChatFn, TextChatMessage } from '../chat/chat-fn';
import { answerQuestions, type AnswerRunOptions } from '../answer/generate-answers';
import type { AnswerRecord, EvalQuestion } from '../data/eval-question';
import { renderQuestionContext } from '../data/render-context';

/** Builds the text-only teacher's messages from the rendered symbolic image and the question. */
export type ReferenceMessagesBuilder = (input: { context: string; question: string }) => TextChatMessage[];

/** Options of {@link generateReferenceAnswers}. */
export interface ReferenceAnswerOptions extends AnswerRunOptions {
  chat: ChatFn;
  /** The teacher model (LLaVA used text-only GPT-4). */
  model: string;
  buildMessages: ReferenceMessagesBuilder;
  temperature?: number;
  maxTokens?: number;
}

/**
 * Reference answers: a text-only teacher answers each question from the captions and boxes alone (the
 * symbolic image), as LLaVA-Bench's GPT-4 reference. Resumable like {@link generateAnswers}; each record
 * carries the model version that answered and `source: "reference"`.
 */
export function generateReferenceAnswers(questions: readonly EvalQuestion[], options: ReferenceAnswerOptions): Promise<AnswerRecord[]> {
  return answerQuestions(
    questions,
    async (question) => {
      const messages = options.buildMessages({ context: renderQuestionContext(question), question: question.question });
      const result = await options.chat(messages, {
        model: options.model,
        ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
        ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
      });
      return { id: question.id, question: question.question, answer: result.text, model: result.model, source: 'reference' };
    },
    options,
  );
}
