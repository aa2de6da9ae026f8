import { describe, expect, it } from 'vitest';
import { relativeScore, relativeScores } from './relative-scores';

describe('relativeScores', () => {
  // Hand-computed: conv: ref 8, 10 (mean 9); model 6, 4 (mean 5) -> ratio of means 55.6;
  // per-item ratios 0.75 and 0.4 -> mean of ratios 57.5.
  // detail: ref 5, model 5 -> 100 both ways.
  // all: ref mean 23/3 = 7.667, model mean 15/3 = 5 -> 65.2; ratios (0.75 + 0.4 + 1)/3 = 0.71667 -> 71.7.
  const items = [
    { category: 'conv', reference: 8, model: 6 },
    { category: 'conv', reference: 10, model: 4 },
    { category: 'detail', reference: 5, model: 5 },
  ];

  it('computes both methods per category and overall, labelled', () => {
    const s = relativeScores(items);
    expect(s.categories.conv).toEqual({ n: 2, meanReference: 9, meanModel: 5, ratioOfMeans: 55.6, meanOfRatios: 57.5 });
    expect(s.categories.detail).toEqual({ n: 1, meanReference: 5, meanModel: 5, ratioOfMeans: 100, meanOfRatios: 100 });
    expect(s.overall).toEqual({ n: 3, meanReference: 7.667, meanModel: 5, ratioOfMeans: 65.2, meanOfRatios: 71.7 });
    expect(s.methods.ratioOfMeans).toMatch(/LLaVA, Quilt/);
    expect(s.methods.meanOfRatios).toMatch(/LLaVA-Med/);
    expect(Object.keys(s.categories)).toEqual(['conv', 'detail']);
  });

  it('rounds the ratio of means as LLaVA prints it in upstream mode, labelled, and keeps the exact figure by default', () => {
    // Checked with Python: mean(ref) = 7.6667, mean(model) = 7.3333 -> exact ratio 95.652 -> 95.7;
    // LLaVA's summarize_gpt_review.py: round(7.333 / 7.667 * 100, 1) = 95.6.
    const reviews = [6, 9, 7, 9, 7, 8].map((reference, k) => ({ category: 'conv', reference, model: [8, 10, 4, 10, 6, 6][k]! }));
    const exact = relativeScores(reviews);
    const upstream = relativeScores(reviews, { rounding: 'upstream' });
    expect(exact.overall.ratioOfMeans).toBe(95.7);
    expect(upstream.overall.ratioOfMeans).toBe(95.6);
    expect(upstream.categories.conv!.ratioOfMeans).toBe(95.6);
    expect(exact.rounding).toEqual({ mode: 'exact', description: expect.stringMatching(/^exact:/) });
    expect(upstream.rounding).toEqual({ mode: 'upstream', description: expect.stringContaining('summarize_gpt_review.py') });
    // the other method and the means are the same in both modes
    expect(upstream.overall.meanOfRatios).toBe(exact.overall.meanOfRatios);
    expect([upstream.overall.meanReference, upstream.overall.meanModel]).toEqual([7.667, 7.333]);
    expect(() => relativeScores(reviews, { rounding: 'python' as 'exact' })).toThrow(/exact or upstream/);
  });

  it('refuses an empty group and non-positive reference scores', () => {
    expect(() => relativeScore([])).toThrow(/at least one/);
    expect(() => relativeScore([{ category: 'x', reference: -1, model: 5 }])).toThrow(/positive/);
  });
});
