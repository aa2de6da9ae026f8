import { VlmError } from '@vlm/core';
import type { ChatFn, TextChatMessage } from '../chat/chat-fn';
import type { JudgeAttempt, JudgeOrder, JudgeRecord } from './judge-record';
import { parseJudgeScores } from './parse-judge-scores';

/** One item to judge: the symbolic image, the question, the reference answer and the model's answer. */
export interface JudgeInput {
  id: string;
  category: string;
  /** The rendered symbolic image (captions, blank line, boxes) shown as `[Context]`. */
  context: string;
  question: string;
  reference: string;
  answer: string;
}

/** What a judge prompt builder receives: the answers already placed as Assistant 1 and 2. */
export interface JudgePromptInput {
  context: string;
  question: string;
  answer1: string;
  answer2: string;
  category: string;
}

/** Builds the judge messages for one item (LLaVA-Bench layout). */
export type JudgeMessagesBuilder = (input: JudgePromptInput) => TextChatMessage[];

/** Settings of the judge. */
export interface JudgeSettings {
  chat: ChatFn;
  buildMessages: JudgeMessagesBuilder;
  /** Judge model name sent to the endpoint and recorded. */
  model: string;
  /** LLaVA-Bench uses 0.2. */
  temperature?: number;
  maxTokens?: number;
  /** Calls per item when the output does not parse (first call included), default 3. */
  maxAttempts?: number;
}

/**
 * The message sent after an unparseable output: it tells the judge exactly what was wrong, and it names
 * the attempt, so every retry is a new request. Without the number, a judge that repeats its bad reply
 * makes attempt 3 the same request as attempt 2 (original messages + that reply + the same correction),
 * and a content-addressed cache would answer it without calling the judge.
 */
export function judgeCorrectionMessage(reason: string, attempt: number, maxAttempts: number): TextChatMessage {
  return {
    role: 'user',
    content:
      `Your reply could not be read (${reason}). Reply again (attempt ${attempt} of ${maxAttempts}): the first line must contain only the two scores ` +
      'for Assistant 1 and Assistant 2, separated by a space (for example "8 6"), then your explanation on the following lines.',
  };
}

/**
 * Judges one item in one order: calls the judge, parses the first line strictly, and on failure asks
 * again (up to `maxAttempts` calls). Every raw output is kept. An item that never parses is returned
 * with `status: "failed"` and no scores. `round` > 0 marks a later judging of an item that failed before:
 * its calls carry `seed: round`, so a cache does not replay the failed answers.
 */
export async function judgeItem(input: JudgeInput, order: JudgeOrder, settings: JudgeSettings, round = 0): Promise<JudgeRecord> {
  const maxAttempts = settings.maxAttempts ?? 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new VlmError('judge_bad_attempts', `maxAttempts must be a positive integer, got ${maxAttempts}.`, { hint: 'Use 1 to disable retries.' });
  }
  const [answer1, answer2] = order === 'reference-first' ? [input.reference, input.answer] : [input.answer, input.reference];
  const messages = settings.buildMessages({ context: input.context, question: input.question, answer1, answer2, category: input.category });
  const attempts: JudgeAttempt[] = [];
  let conversation: TextChatMessage[] = [...messages];
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const result = await settings.chat(conversation, {
      model: settings.model,
      temperature: settings.temperature ?? 0.2,
      maxTokens: settings.maxTokens ?? 1024,
      ...(round > 0 ? { seed: round } : {}),
    });
    const parsed = parseJudgeScores(result.text);
    attempts.push({
      raw: result.text,
      ok: parsed.ok,
      ...(parsed.ok ? {} : { reason: parsed.reason }),
      judgeVersion: result.model,
      ...(result.systemFingerprint ? { systemFingerprint: result.systemFingerprint } : {}),
    });
    if (parsed.ok) {
      const [s1, s2] = parsed.scores;
      const scores = order === 'reference-first' ? { reference: s1, model: s2 } : { reference: s2, model: s1 };
      return record(input, order, settings.model, attempts, { status: 'ok', scores }, round);
    }
    conversation = [...messages, { role: 'assistant', content: result.text }, judgeCorrectionMessage(parsed.reason, attempt + 2, maxAttempts)];
  }
  const last = attempts[attempts.length - 1];
  return record(input, order, settings.model, attempts, {
    status: 'failed',
    failureReason: `no parseable scores after ${attempts.length} attempt(s); last: ${last?.reason ?? 'unknown'}`,
  }, round);
}

function record(
  input: JudgeInput,
  order: JudgeOrder,
  judgeModel: string,
  attempts: JudgeAttempt[],
  outcome: Pick<JudgeRecord, 'status' | 'scores' | 'failureReason'>,
  round: number,
): JudgeRecord {
  const versions = [...new Set(attempts.map((a) => a.judgeVersion))];
  return { id: input.id, category: input.category, order, judgeModel, judgeVersion: versions.join(', '), ...(round > 0 ? { round } : {}), ...outcome, attempts };
}
