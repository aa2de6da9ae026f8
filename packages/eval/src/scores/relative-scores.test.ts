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

  it('refuses an empty group and non-positive reference scores', () => {
    expect(() => relativeScore([])).toThrow(/at least one/);
    expect(() => relativeScore([{ category: 'x', reference: -1, model: 5 }])).toThrow(/positive/);
  });
});
