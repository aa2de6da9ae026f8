import { VlmError } from '@vlm/core';

import { l2Normalise } from './embedder';

/** `max` over prompts (PathGen's type prompts) or `sum` over prompts (its report sentences). */
export type RankMode = 'max' | 'sum';

/**
 * Scores every patch by cosine similarity to the prompts, reduced by max or sum, and returns patch
 * indices best first (ties keep input order).
 */
export function rankPatches(patchFeatures: readonly number[][], promptFeatures: readonly number[][], mode: RankMode = 'max'): { index: number; score: number }[] {
  if (promptFeatures.length === 0) throw new VlmError('rank_no_prompts', 'ranking needs at least one prompt');
  const prompts = promptFeatures.map(l2Normalise);
  const dims = prompts[0]!.length;
  const scored = patchFeatures.map((feature, index) => {
    if (feature.length !== dims) {
      throw new VlmError('rank_dimension_mismatch', `patch ${index} has ${feature.length} dimensions, prompts have ${dims}`, { location: { row: index } });
    }
    const unit = l2Normalise(feature);
    const sims = prompts.map((p) => p.reduce((acc, v, d) => acc + v * unit[d]!, 0));
    const score = mode === 'max' ? Math.max(...sims) : sims.reduce((a, b) => a + b, 0);
    return { index, score };
  });
  return scored.sort((a, b) => b.score - a.score || a.index - b.index);
}
