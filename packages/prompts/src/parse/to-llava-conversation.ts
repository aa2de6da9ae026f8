import { IMAGE_TOKEN, VlmError, type LlavaTurn, type Rng } from '@vlm/core';
import type { QaPair } from './qa-pair';

/**
 * Where `<image>` goes in the first human turn: `random` (the seed's choice of [question, image] or
 * [image, question], one draw per conversation), `before` (`<image>\nQ`), `after` (`Q\n<image>`), or
 * `none` for text-only records.
 */
export type ImagePlacement = 'random' | 'before' | 'after' | 'none';

/** Options of {@link toLlavaConversation}. */
export interface ToLlavaConversationOptions {
  placement?: ImagePlacement;
  /** Required for `random` placement. */
  rng?: Rng;
}

/**
 * Turns question/answer pairs into LLaVA `conversations` (human/gpt), with the image placeholder in the
 * first human turn placed by a seeded choice.
 */
export function toLlavaConversation(pairs: readonly QaPair[], options: ToLlavaConversationOptions = {}): LlavaTurn[] {
  if (pairs.length === 0) {
    throw new VlmError('conversation_empty', 'A LLaVA conversation needs at least one question/answer pair.', {
      hint: 'Check the parse outcome: rejected or fully filtered outputs have no pairs.',
    });
  }
  const placement = options.placement ?? 'random';
  let side: 'before' | 'after' | 'none';
  if (placement === 'random') {
    if (options.rng === undefined) {
      throw new VlmError('rng_missing', 'Random image placement needs a seeded rng.', { hint: 'Pass rng: createRng(seed), or a fixed placement.' });
    }
    side = options.rng.bool() ? 'before' : 'after';
  } else side = placement;
  const turns: LlavaTurn[] = [];
  pairs.forEach((pair, i) => {
    let question = pair.question;
    if (i === 0 && side === 'before') question = `${IMAGE_TOKEN}\n${question}`;
    if (i === 0 && side === 'after') question = `${question}\n${IMAGE_TOKEN}`;
    turns.push({ from: 'human', value: question }, { from: 'gpt', value: pair.answer });
  });
  return turns;
}

/** A one-turn LLaVA conversation from an instruction (e.g. a sampled description question) and its answer. */
export function descriptionToLlavaConversation(question: string, description: string, options: ToLlavaConversationOptions = {}): LlavaTurn[] {
  return toLlavaConversation([{ question, answer: description }], options);
}
