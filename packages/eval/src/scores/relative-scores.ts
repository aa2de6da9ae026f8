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

/** Relative scores of one group of items (a category or all items). */
export interface RelativeScore {
  /** Items with two valid scores. */
  n: number;
  /** Mean judge score of the reference answers (3 decimals). */
  meanReference: number;
  /** Mean judge score of the model's answers (3 decimals). */
  meanModel: number;
  /** round(mean(model) / mean(reference) * 100, 1): LLaVA and Quilt-LLaVA. */
  ratioOfMeans: number;
  /** mean over items of model / reference * 100, rounded to 0.1: LLaVA-Med. */
  meanOfRatios: number;
}

/** Relative scores per category (sorted by name) and over all items, both methods. */
export interface RelativeScores {
  methods: typeof RELATIVE_SCORE_METHODS;
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

/** Relative score of one group; throws on an empty group or a reference score that is not positive. */
export function relativeScore(items: readonly ScoredItem[]): RelativeScore {
  if (items.length === 0) throw new RangeError('relativeScore needs at least one scored item');
  const references = items.map((i) => i.reference);
  const models = items.map((i) => i.model);
  for (const r of references) {
    if (!(r > 0)) throw new RangeError(`reference score must be positive to form a ratio, got ${r}`);
  }
  const meanReference = mean(references);
  const meanModel = mean(models);
  return {
    n: items.length,
    meanReference: round(meanReference, 3),
    meanModel: round(meanModel, 3),
    ratioOfMeans: round((meanModel / meanReference) * 100, 1),
    meanOfRatios: round(mean(items.map((i) => i.model / i.reference)) * 100, 1),
  };
}

/** Relative scores per category and overall, computed both ways and labelled. */
export function relativeScores(items: readonly ScoredItem[]): RelativeScores {
  const byCategory = new Map<string, ScoredItem[]>();
  for (const item of items) {
    const list = byCategory.get(item.category) ?? [];
    list.push(item);
    byCategory.set(item.category, list);
  }
  const categories: Record<string, RelativeScore> = {};
  for (const name of [...byCategory.keys()].sort()) categories[name] = relativeScore(byCategory.get(name) ?? []);
  return { methods: RELATIVE_SCORE_METHODS, categories, overall: relativeScore(items) };
}
