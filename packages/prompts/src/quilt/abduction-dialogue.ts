import { z } from 'zod';
import { VlmError, type Rng } from '@vlm/core';
import type { QaPair } from '../parse/qa-pair';

/** The two agents of Quilt's iterative abduction: a student who sees the patch, an assistant who knows the answer. */
export const abductionAgentSchema = z.enum(['student', 'assistant']);
export type AbductionAgent = z.infer<typeof abductionAgentSchema>;

/** One message of an abduction dialogue. */
export const abductionMessageSchema = z.object({ agent: abductionAgentSchema, text: z.string().trim().min(1) });
export type AbductionMessage = z.infer<typeof abductionMessageSchema>;

/** The assistant's marker for a correct hypothesis; ends the dialogue. */
export const ABDUCTION_CORRECT = 'CORRECT!!!';
/** The assistant's marker for its last message; ends the dialogue. */
export const ABDUCTION_END = 'End of Guidance';

/** Turn counts and their weights (Quilt-LLaVA: 4 turns with 0.85, 6 with 0.15). */
export const abductionTurnWeights: ReadonlyArray<{ turns: number; weight: number }> = Object.freeze([
  { turns: 4, weight: 0.85 },
  { turns: 6, weight: 0.15 },
]);

/** Draws the number of turns (messages of either agent) of one dialogue: 4 with 0.85, 6 with 0.15. */
export function sampleAbductionTurnCount(rng: Rng): number {
  const u = rng.next();
  let acc = 0;
  for (const { turns, weight } of abductionTurnWeights) {
    acc += weight;
    if (u < acc) return turns;
  }
  return (abductionTurnWeights[abductionTurnWeights.length - 1] as { turns: number }).turns;
}

/** Why a dialogue ended. */
export type AbductionStopReason = 'correct' | 'end-of-guidance' | 'max-turns';

/** Turn control of one abduction dialogue; the caller sends each agent's prompt and adds the replies. */
export interface AbductionDialogue {
  readonly maxTurns: number;
  readonly messages: readonly AbductionMessage[];
  /** Who speaks next, or undefined once the dialogue is over. */
  readonly next: AbductionAgent | undefined;
  /** True when the next message is the last one allowed. */
  readonly isLastTurn: boolean;
  readonly done: boolean;
  readonly stopReason: AbductionStopReason | undefined;
  /** Records the next agent's message; the assistant's markers end the dialogue. */
  add(text: string): void;
}

/**
 * Starts a dialogue with `maxTurns` messages at most (draw it with {@link sampleAbductionTurnCount}).
 * The student speaks first; a turn is one message of either agent. The dialogue stops early when the
 * assistant writes `CORRECT!!!` or `End of Guidance`.
 */
export function createAbductionDialogue(maxTurns: number): AbductionDialogue {
  if (!Number.isInteger(maxTurns) || maxTurns < 2 || maxTurns % 2 !== 0) {
    throw new VlmError('abduction_turns_invalid', `An abduction dialogue needs an even number of turns >= 2, got ${maxTurns}.`, {
      hint: 'Use sampleAbductionTurnCount(rng) (4 or 6).',
    });
  }
  const messages: AbductionMessage[] = [];
  let stopReason: AbductionStopReason | undefined;
  const next = (): AbductionAgent | undefined => (stopReason !== undefined ? undefined : messages.length % 2 === 0 ? 'student' : 'assistant');
  return {
    maxTurns,
    messages,
    get next() {
      return next();
    },
    get isLastTurn() {
      return stopReason === undefined && messages.length === maxTurns - 1;
    },
    get done() {
      return stopReason !== undefined;
    },
    get stopReason() {
      return stopReason;
    },
    add(text) {
      const agent = next();
      if (agent === undefined) {
        throw new VlmError('abduction_finished', `The dialogue already ended (${stopReason}); no more messages can be added.`);
      }
      const trimmed = text.trim();
      if (trimmed.length === 0) throw new VlmError('abduction_empty_message', `The ${agent} message is empty.`, { hint: 'Retry the teacher call.' });
      messages.push({ agent, text: trimmed });
      if (agent === 'assistant' && trimmed.includes(ABDUCTION_CORRECT)) stopReason = 'correct';
      else if (agent === 'assistant' && trimmed.includes(ABDUCTION_END)) stopReason = 'end-of-guidance';
      else if (messages.length >= maxTurns) stopReason = 'max-turns';
    },
  };
}

/**
 * A finished dialogue as question/answer pairs (student asks, assistant answers), with the control
 * markers removed so they are not trained.
 */
export function abductionToPairs(messages: readonly AbductionMessage[]): QaPair[] {
  const pairs: QaPair[] = [];
  for (let i = 0; i + 1 < messages.length; i += 2) {
    const student = messages[i] as AbductionMessage;
    const assistant = messages[i + 1] as AbductionMessage;
    const answer = assistant.text
      .replace(ABDUCTION_CORRECT, '')
      .replace(new RegExp(`[\\s.:-]*${ABDUCTION_END}[.!]*`, 'g'), '')
      .trim();
    if (answer.length > 0) pairs.push({ question: student.text, answer });
  }
  return pairs;
}
