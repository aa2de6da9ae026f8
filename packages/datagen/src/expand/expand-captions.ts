import { createRng, type LlavaRecord } from '@vlm/core';
import { briefDescriptionQuestions, conceptAlignmentQuestions, descriptionToLlavaConversation, sampleQuestion, type ImagePlacement } from '@vlm/prompts';

import type { CaptionPair } from './read-caption-pairs';

/** Options of {@link expandCaptions}. */
export interface ExpandOptions {
  seed?: number;
  /**
   * `llava`: a brief-description question (LLaVA's stage-1 data); `llava-med`: a concept-alignment
   * instruction (LLaVA-Med's stage-1 form). Default `llava`.
   */
  form?: 'llava' | 'llava-med';
  /** Questions to draw from instead of the form's pool. */
  questions?: readonly string[];
  /** Image before or after the question: `random` (default, one seeded draw per record), `before`, `after`. */
  placement?: ImagePlacement;
}

/**
 * Naive expansion: each (image, caption) pair becomes a one-turn record, a sampled instruction plus the
 * image as the question and the caption as the answer. Each record's draws depend only on the seed and
 * its id, so adding pairs never changes the others.
 */
export function expandCaptions(pairs: readonly CaptionPair[], options: ExpandOptions = {}): LlavaRecord[] {
  const root = createRng(options.seed ?? 0);
  const form = options.form ?? 'llava';
  const pool = options.questions ?? (form === 'llava-med' ? conceptAlignmentQuestions : briefDescriptionQuestions);
  const used = new Map<string, number>();
  return pairs.map((pair) => {
    // Several captions of one image (COCO has five) give ids `x`, `x-1`, `x-2`, ...
    const n = used.get(pair.id) ?? 0;
    used.set(pair.id, n + 1);
    const id = n === 0 ? pair.id : `${pair.id}-${n}`;
    const rng = root.fork(id);
    const question = sampleQuestion(pool, rng);
    return {
      id,
      image: pair.image,
      conversations: descriptionToLlavaConversation(question, pair.caption, { placement: options.placement ?? 'random', rng }),
      source: form === 'llava-med' ? 'llava-med/concept-alignment' : 'llava/naive-expansion',
    };
  });
}
