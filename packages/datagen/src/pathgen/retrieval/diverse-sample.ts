import type { Rng } from '@vlm/core';

import { kmeans } from '../../quilt/grounding/kmeans';
import { l2Normalise } from './embedder';

/** Options of {@link sampleDiverse}. */
export interface DiverseSampleOptions {
  rng: Rng;
  /** k-means clusters. Default 8. */
  clusters?: number;
  /** At most this many patches per slide. PathGen: 256. */
  cap?: number;
}

/**
 * Diversity sampling: seeded k-means over L2-normalised features, then equal draws per cluster in
 * turns (best-ranked first inside each cluster) until `cap` patches are drawn or all are used.
 * `ranked` is the ranking order (e.g. from {@link rankPatches}); returns indices in draw order.
 */
export function sampleDiverse(features: readonly number[][], ranked: readonly number[], options: DiverseSampleOptions): { selected: number[]; labels: number[] } {
  const cap = options.cap ?? 256;
  if (features.length === 0 || cap <= 0) return { selected: [], labels: [] };
  const { labels } = kmeans(features.map(l2Normalise), options.clusters ?? 8, { rng: options.rng, nInit: 3 });
  const queues = new Map<number, number[]>();
  for (const index of ranked) {
    const label = labels[index]!;
    const queue = queues.get(label) ?? [];
    queue.push(index);
    queues.set(label, queue);
  }
  const order = [...queues.keys()].sort((a, b) => a - b);
  const selected: number[] = [];
  while (selected.length < cap) {
    let drew = false;
    for (const label of order) {
      const next = queues.get(label)!.shift();
      if (next === undefined) continue;
      selected.push(next);
      drew = true;
      if (selected.length >= cap) break;
    }
    if (!drew) break;
  }
  return { selected, labels };
}
