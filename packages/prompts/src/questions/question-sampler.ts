import { VlmError, type Rng } from '@vlm/core';

/** Draws instructions from a pool with a seeded generator. */
export interface QuestionSampler {
  /** The next question. */
  next(): string;
  /** How many questions were drawn so far. */
  readonly drawn: number;
}

/** Options of {@link createQuestionSampler}. */
export interface QuestionSamplerOptions {
  /**
   * `with-replacement` (default) draws uniformly each time, as LLaVA does; `cycle` shuffles the pool and
   * walks through it before reshuffling, so every instruction is used equally often in a small dataset.
   */
  mode?: 'with-replacement' | 'cycle';
}

/** One question drawn uniformly from `pool`. */
export function sampleQuestion(pool: readonly string[], rng: Rng): string {
  if (pool.length === 0) {
    throw new VlmError('question_pool_empty', 'Cannot sample a question from an empty pool.', {
      hint: 'Pass one of the shipped pools (briefDescriptionQuestions, detailedDescriptionQuestions) or a non-empty list.',
    });
  }
  return rng.pick(pool);
}

/** A stateful sampler over `pool`; see {@link QuestionSamplerOptions} for the modes. */
export function createQuestionSampler(pool: readonly string[], rng: Rng, options: QuestionSamplerOptions = {}): QuestionSampler {
  if (pool.length === 0) sampleQuestion(pool, rng);
  const mode = options.mode ?? 'with-replacement';
  let drawn = 0;
  let order: string[] = [];
  return {
    get drawn() {
      return drawn;
    },
    next() {
      drawn++;
      if (mode === 'with-replacement') return rng.pick(pool);
      if (order.length === 0) order = rng.shuffle(pool);
      return order.pop() as string;
    },
  };
}
