import { pathgenSummaryPrompt } from '@vlm/prompts';

import type { TeacherChat } from '../../quilt/instruct/teacher-chat';
import type { ClipTokenizer } from './clip-tokenizer';
import { truncateToBudget } from './fit-token-budget';

/** A summary that fits the CLIP budget, with how it got there. */
export interface BudgetedSummary {
  text: string;
  /** Tokens including start and end. */
  tokens: number;
  /** Summariser calls made (1 when the first answer fitted). */
  attempts: number;
  /** True when every attempt was over budget and the last one was cut at a word boundary. */
  truncated: boolean;
  /** Token counts of the attempts, in order. */
  attemptTokens: number[];
}

/** Options of {@link summariseWithinBudget}. */
export interface SummariseOptions {
  tokenizer: ClipTokenizer;
  /** Token budget including start and end tokens. Default 77 (CLIP's context). */
  budget?: number;
  /** Summariser calls before truncating. Default 3. */
  maxAttempts?: number;
}

/**
 * Summarise agent: asks for a summary, counts it with the CLIP tokenizer, retries with the measured
 * overshoot when it is over budget, and finally truncates at a word boundary, recording that it did.
 */
export async function summariseWithinBudget(description: string, teacher: TeacherChat, options: SummariseOptions): Promise<BudgetedSummary> {
  const budget = options.budget ?? 77;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  const { tokenizer } = options;
  const attemptTokens: number[] = [];
  const request = pathgenSummaryPrompt.build({ description, maxTokens: budget });
  const messages: Parameters<TeacherChat>[0]['messages'] = request.messages.slice();
  let last = '';
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    last = (await teacher({ task: 'pathgen.summarise', messages: messages.slice(), temperature: request.temperature, maxTokens: request.maxTokens, context: { description, budget, attempt } })).trim();
    const tokens = tokenizer.count(last);
    attemptTokens.push(tokens);
    if (tokens <= budget) return { text: last, tokens, attempts: attempt, truncated: false, attemptTokens };
    messages.push(
      { role: 'assistant', content: last },
      { role: 'user', content: `That summary takes ${tokens} CLIP tokens; the limit is ${budget} including the start and end tokens. Shorten it.` },
    );
  }
  const text = truncateToBudget(last, tokenizer, budget);
  return { text, tokens: tokenizer.count(text), attempts: maxAttempts, truncated: true, attemptTokens };
}
