import { createRng } from '@vlm/core';
import { describe, expect, it } from 'vitest';

import { functionEmbedder, l2Normalise } from './embedder';
import { sampleDiverse } from './diverse-sample';
import { rankPatches } from './rank-patches';

describe('rankPatches', () => {
  const patches = [[1, 0], [0, 2], [3, 3]];
  const prompts = [[1, 0], [0, 1]];

  it('max over prompts: cosine 1, 1, 0.707', () => {
    const ranked = rankPatches(patches, prompts, 'max');
    expect(ranked.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(ranked[2]!.score).toBeCloseTo(Math.SQRT1_2, 12);
  });

  it('sum over prompts: 1, 1, 1.414', () => {
    const ranked = rankPatches(patches, prompts, 'sum');
    expect(ranked.map((r) => r.index)).toEqual([2, 0, 1]);
    expect(ranked[0]!.score).toBeCloseTo(Math.SQRT2, 12);
  });

  it('rejects mismatched dimensions with the row', () => {
    expect(() => rankPatches([[1, 0, 0]], prompts)).toThrow(/3 dimensions/);
  });
});

describe('sampleDiverse', () => {
  // Two directions; within each, ranking order decides who is drawn first.
  const features = [[1, 0.01], [0.01, 1], [1, 0.02], [0.02, 1], [1, 0.03], [0.03, 1]];

  it('draws equally from each cluster, best ranked first, up to the cap', () => {
    const { selected, labels } = sampleDiverse(features, [4, 2, 0, 1, 3, 5], { rng: createRng(1), clusters: 2, cap: 4 });
    expect(new Set([labels[0], labels[2], labels[4]]).size).toBe(1);
    expect(labels[0]).not.toBe(labels[1]);
    // Each round takes one per cluster, in cluster-label order.
    const firstCluster = labels[4]! < labels[1]! ? [4, 2] : [1, 3];
    const secondCluster = labels[4]! < labels[1]! ? [1, 3] : [4, 2];
    expect(selected).toEqual([firstCluster[0], secondCluster[0], firstCluster[1], secondCluster[1]]);
  });

  it('is deterministic and stops when patches run out', () => {
    const a = sampleDiverse(features, [0, 1, 2, 3, 4, 5], { rng: createRng(9), clusters: 3, cap: 100 });
    expect(a).toEqual(sampleDiverse(features, [0, 1, 2, 3, 4, 5], { rng: createRng(9), clusters: 3, cap: 100 }));
    expect(a.selected.slice().sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('embedders', () => {
  it('wraps user functions and normalises vectors', async () => {
    const embedder = functionEmbedder({ texts: (t) => t.map((s) => [s.length, 0]), images: (i) => i.map(() => [0, 1]) });
    expect(await embedder.embedTexts(['ab'])).toEqual([[2, 0]]);
    expect(await embedder.embedImages(['data:'])).toEqual([[0, 1]]);
    expect(l2Normalise([3, 4])).toEqual([0.6, 0.8]);
    expect(l2Normalise([0, 0])).toEqual([0, 0]);
  });
});
