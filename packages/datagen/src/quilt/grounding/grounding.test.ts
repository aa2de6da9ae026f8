import { createRng } from '@vlm/core';
import { describe, expect, it } from 'vitest';

import { assignUtterances } from './assign-utterances';
import { clusterCountForWords } from './cluster-count';
import { clusterTraces } from './cluster-traces';
import { formatBox, formatGroundedCaption, groundCaption } from './ground-caption';
import { kmeans } from './kmeans';
import { pythonRound2 } from './python-round';
import { filterIqr, quantile } from './quantile';

describe('quantile and IQR', () => {
  it('interpolates linearly like pandas', () => {
    // [1, 2, 3, 4]: position 0.75 -> 1.75; position 2.25 -> 3.25
    expect(quantile([4, 1, 3, 2], 0.25)).toBe(1.75);
    expect(quantile([4, 1, 3, 2], 0.75)).toBe(3.25);
    expect(quantile([7], 0.5)).toBe(7);
  });

  it('drops values outside the 1.5 IQR fences', () => {
    // Q1 = 10.75, Q3 = 12.25, IQR = 1.5, fences [8.5, 14.5]: 100 goes, 14 stays.
    expect(filterIqr([10, 11, 12, 14, 100, 11, 12, 10], (v) => v)).toEqual([10, 11, 12, 14, 11, 12, 10]);
  });
});

describe('kmeans', () => {
  it('is deterministic for a seed and finds separated groups', () => {
    const points = [[0, 0], [0.1, 0], [0, 0.1], [5, 5], [5.1, 5], [5, 5.1]];
    const a = kmeans(points, 2, { rng: createRng(3), nInit: 2 });
    const b = kmeans(points, 2, { rng: createRng(3), nInit: 2 });
    expect(a).toEqual(b);
    expect(new Set(a.labels.slice(0, 3)).size).toBe(1);
    expect(new Set(a.labels.slice(3)).size).toBe(1);
    expect(a.labels[0]).not.toBe(a.labels[3]);
    expect(a.inertia).toBeCloseTo(4 * (0.1 ** 2 * 2) / 3, 10);
  });

  it('caps k at the number of points', () => {
    expect(kmeans([[1, 1]], 4, { rng: createRng(0) }).centroids).toEqual([[1, 1]]);
  });
});

describe('cluster count', () => {
  it('follows the word-count bands', () => {
    expect([0, 10, 11, 40, 41, 60, 61].map(clusterCountForWords)).toEqual([1, 1, 2, 2, 3, 3, 4]);
  });
});

describe('pythonRound2', () => {
  it('prints like str(round(v, 2))', () => {
    expect(pythonRound2(0.1)).toBe('0.1');
    expect(pythonRound2(1)).toBe('1.0');
    expect(pythonRound2(0)).toBe('0.0');
    expect(pythonRound2(0.125)).toBe('0.12'); // exact tie, to even
    expect(pythonRound2(0.375)).toBe('0.38');
    expect(pythonRound2(0.675)).toBe('0.68'); // 0.675 is 0.67500000000000004 in binary
    expect(pythonRound2(2.675)).toBe('2.67'); // 2.675 is 2.67499999999999982
    expect(pythonRound2(0.285)).toBe('0.28');
    expect(pythonRound2(0.2549)).toBe('0.25');
  });
});

describe('assignUtterances', () => {
  it('maps by nearest mean time, renumbers by first appearance and merges small clusters', () => {
    const clusters = [
      { label: 0, meanTime: 9 },
      { label: 1, meanTime: 1 },
      { label: 2, meanTime: 5 },
    ];
    const utterances = [
      { text: 'one two three four', start: 0, end: 1.5 }, // label 1 -> id 0 (4 words)
      { text: 'five', start: 2, end: 4.6 }, // label 2 -> id 1 (1 word)
      { text: 'six seven eight nine ten', start: 6, end: 9.2 }, // label 0 -> id 2 (5 words)
    ];
    // id 1 has 1 word <= 3: it is in the middle, neighbours 4 (prev) vs 5 (next) words -> next (id 2).
    expect(assignUtterances(utterances, clusters)).toEqual([
      { cluster: 0, label: 1, texts: ['one two three four'], words: 4 },
      { cluster: 2, label: 0, texts: ['five', 'six seven eight nine ten'], words: 6 },
    ]);
  });

  it('merges the first into the next and breaks ties towards the next', () => {
    const clusters = [
      { label: 0, meanTime: 0 },
      { label: 1, meanTime: 10 },
      { label: 2, meanTime: 20 },
    ];
    const result = assignUtterances(
      [
        { text: 'a b', start: 0, end: 0 },
        { text: 'c d e f', start: 9, end: 10 },
        { text: 'g h i j', start: 19, end: 20 },
      ],
      clusters,
    );
    expect(result.map((g) => [g.cluster, g.texts.join(' ')])).toEqual([
      [1, 'a b c d e f'],
      [2, 'g h i j'],
    ]);
  });

  it('stops at one cluster even when it is small, and ties in time go to the lower label', () => {
    const result = assignUtterances(
      [
        { text: 'a', start: 0, end: 5 },
        { text: 'b', start: 0, end: 6 },
      ],
      [
        { label: 1, meanTime: 4 },
        { label: 0, meanTime: 6 },
      ],
    );
    // end 5 is 1 s from both: label 0 wins the tie; end 6 -> label 0 too.
    expect(result).toEqual([{ cluster: 0, label: 0, texts: ['a', 'b'], words: 2 }]);
  });
});

describe('grounded caption strings', () => {
  it('formats boxes clipped and rounded and joins segments', () => {
    expect(formatBox([-0.1, 0.333, 0.5, 1.2])).toBe('[0.0, 0.33, 0.5, 1.0]');
    expect(formatGroundedCaption([
      { text: 'crowded glands', box: [0.1, 0.2, 0.35, 0.45] },
      { text: 'necrosis here', box: [0.5, 0.5, 0.75, 0.8] },
    ])).toBe('crowded glands [0.1, 0.2, 0.35, 0.45], necrosis here [0.5, 0.5, 0.75, 0.8]');
  });

  it('grounds two spatially and temporally separated dwells', () => {
    // Two dwells: t 0-1.9 around (0.2, 0.2) and t 2-3.9 around (0.7, 0.7), each a 0.2 x 0.2 square walk.
    const square = (cx: number, cy: number, t0: number) =>
      Array.from({ length: 20 }, (_, i) => {
        const a = (i / 20) * 2 * Math.PI;
        return { x: cx + 0.1 * Math.cos(a), y: cy + 0.1 * Math.sin(a), t: t0 + i * 0.1 };
      });
    const points = [...square(0.2, 0.2, 0), ...square(0.7, 0.7, 2)];
    const utterances = [
      { text: 'here we see crowded glands with atypia', start: 0, end: 1.5 },
      { text: 'and over here there is necrosis with debris', start: 2, end: 3.8 },
    ];
    const result = groundCaption(points, utterances, { imageWidth: 1000, imageHeight: 1000, seed: 1 });
    expect(result.grounded).toBe(true);
    expect(result.text).toBe('here we see crowded glands with atypia [0.1, 0.1, 0.3, 0.3], and over here there is necrosis with debris [0.6, 0.6, 0.8, 0.8]');
  });

  it('falls back to the raw caption when every box fails the area filter', () => {
    const points = Array.from({ length: 10 }, (_, i) => ({ x: 0.5 + i * 0.001, y: 0.5, t: i * 0.1 }));
    const result = groundCaption(points, [{ text: 'tiny wiggle', start: 0, end: 1 }], { imageWidth: 100, imageHeight: 100 });
    expect(result).toMatchObject({ grounded: false, text: 'tiny wiggle', segments: [] });
  });

  it('removes IQR outliers from the box', () => {
    const points = [...Array.from({ length: 12 }, (_, i) => ({ x: 0.3 + (i % 4) * 0.1, y: 0.3 + Math.floor(i / 4) * 0.1, t: i * 0.1 })), { x: 0.95, y: 0.95, t: 1.25 }];
    const [cluster] = clusterTraces(points, 1, { imageWidth: 100, imageHeight: 100, seed: 0 });
    expect(cluster!.box).toEqual([0.3, 0.3, 0.3 + 3 * 0.1, 0.5]);
    const [kept] = clusterTraces(points, 1, { imageWidth: 100, imageHeight: 100, seed: 0, removeOutliers: false });
    expect(kept!.box).toEqual([0.3, 0.3, 0.95, 0.95]);
  });
});
