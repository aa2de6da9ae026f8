import { formatRounded } from '@vlm/prompts';

/** One judged item: the category and the two scores (reference answer and model under test). */
export interface ScoredItem {
  category: string;
  reference: number;
  model: number;
}

/** The two ways published papers turn judge scores into a relative score. Never comparable. */
export const RELATIVE_SCORE_METHODS = {
  ratioOfMeans: 'ratio of means: mean(model) / mean(reference) * 100 (LLaVA, Quilt-LLaVA)',
  meanOfRatios: 'mean of ratios: mean(model / reference) * 100 (LLaVA-Med)',
} as const;

/**
 * How the ratio of means is rounded. `exact` (default): the unrounded means are divided, then the ratio
 * is rounded to 0.1. `upstream`: as LLaVA's `summarize_gpt_review.py` prints it, both means are first
 * rounded to 3 decimals with Python's `round`, then divided, then rounded to 0.1; the figures can differ
 * by 0.1 (95.6 upstream where the exact figure is 95.7).
 */
export type RelativeScoreRounding = 'exact' | 'upstream';

/** What each rounding mode means, for the report. */
export const RELATIVE_SCORE_ROUNDINGS: Record<RelativeScoreRounding, string> = {
  exact: 'exact: mean(model) / mean(reference) * 100 from the unrounded means, rounded to 0.1',
  upstream: "upstream: both means rounded to 3 decimals (Python round) before dividing, as LLaVA's summarize_gpt_review.py prints",
};

/** Options of {@link relativeScore} and {@link relativeScores}. */
export interface RelativeScoreOptions {
  /** Rounding of the ratio of means (default `exact`). */
  rounding?: RelativeScoreRounding;
}

/** Relative scores of one group of items (a category or all items). */
export interface RelativeScore {
  /** Items with two valid scores. */
  n: number;
  /** Mean judge score of the reference answers (3 decimals). */
  meanReference: number;
  /** Mean judge score of the model's answers (3 decimals). */
  meanModel: number;
  /** mean(model) / mean(reference) * 100 to 0.1: LLaVA and Quilt-LLaVA (rounded as {@link RelativeScoreRounding} says). */
  ratioOfMeans: number;
  /** mean over items of model / reference * 100, rounded to 0.1: LLaVA-Med. */
  meanOfRatios: number;
}

/** Relative scores per category (sorted by name) and over all items, both methods. */
export interface RelativeScores {
  methods: typeof RELATIVE_SCORE_METHODS;
  /** How the ratio of means was rounded, with its description. */
  rounding: { mode: RelativeScoreRounding; description: string };
  categories: Record<string, RelativeScore>;
  overall: RelativeScore;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Python's `round(value, digits)` on a double (ties to even on the exact binary value). */
function pythonRound(value: number, digits: number): number {
  return Number(formatRounded(value, digits));
}

/** Relative score of one group; throws on an empty group or a reference score that is not positive. */
export function relativeScore(items: readonly ScoredItem[], options: RelativeScoreOptions = {}): RelativeScore {
  if (items.length === 0) throw new RangeError('relativeScore needs at least one scored item');
  const references = items.map((i) => i.reference);
  const models = items.map((i) => i.model);
  for (const r of references) {
    if (!(r > 0)) throw new RangeError(`reference score must be positive to form a ratio, got ${r}`);
  }
  const meanReference = mean(references);
  const meanModel = mean(models);
  const ratioOfMeans =
    options.rounding === 'upstream'
      ? pythonRound((pythonRound(meanModel, 3) / pythonRound(meanReference, 3)) * 100, 1)
      : round((meanModel / meanReference) * 100, 1);
  return {
    n: items.length,
    meanReference: round(meanReference, 3),
    meanModel: round(meanModel, 3),
    ratioOfMeans,
    meanOfRatios: round(mean(items.map((i) => i.model / i.reference)) * 100, 1),
  };
}

/** Relative scores per category and overall, computed both ways and labelled with the rounding used. */
export function relativeScores(items: readonly ScoredItem[], options: RelativeScoreOptions = {}): RelativeScores {
  const mode = options.rounding ?? 'exact';
  if (mode !== 'exact' && mode !== 'upstream') throw new RangeError(`rounding must be exact or upstream, got ${String(mode)}`);
  const byCategory = new Map<string, ScoredItem[]>();
  for (const item of items) {
    const list = byCategory.get(item.category) ?? [];
    list.push(item);
    byCategory.set(item.category, list);
  }
  const categories: Record<string, RelativeScore> = {};
  for (const name of [...byCategory.keys()].sort()) categories[name] = relativeScore(byCategory.get(name) ?? [], { rounding: mode });
  return {
    methods: RELATIVE_SCORE_METHODS,
    rounding: { mode, description: RELATIVE_SCORE_ROUNDINGS[mode] },
    categories,
    overall: relativeScore(items, { rounding: mode }),
  };
}
