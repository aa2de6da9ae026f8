import type { Rng } from '@vlm/core';

/** Result of k-means: a label per point, the centroids and the sum of squared distances. */
export interface KMeansResult {
  labels: number[];
  centroids: number[][];
  inertia: number;
}

/** Options of {@link kmeans}; `nInit` restarts keep the lowest inertia (sklearn's `n_init`). */
export interface KMeansOptions {
  rng: Rng;
  nInit?: number;
  maxIterations?: number;
  tolerance?: number;
}

function squaredDistance(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let d = 0; d < a.length; d++) {
    const diff = (a[d] ?? 0) - (b[d] ?? 0);
    sum += diff * diff;
  }
  return sum;
}

/** k-means++ seeding driven by the given generator, so equal seeds give equal clusters. */
function seedCentroids(points: readonly number[][], k: number, rng: Rng): number[][] {
  const centroids: number[][] = [points[rng.int(points.length)]!.slice()];
  const nearest = points.map((p) => squaredDistance(p, centroids[0]!));
  while (centroids.length < k) {
    const total = nearest.reduce((a, b) => a + b, 0);
    let index = 0;
    if (total === 0) {
      index = rng.int(points.length);
    } else {
      let target = rng.next() * total;
      for (index = 0; index < points.length - 1; index++) {
        target -= nearest[index]!;
        if (target < 0) break;
      }
    }
    const chosen = points[index]!.slice();
    centroids.push(chosen);
    for (let i = 0; i < points.length; i++) nearest[i] = Math.min(nearest[i]!, squaredDistance(points[i]!, chosen));
  }
  return centroids;
}

function lloyd(points: readonly number[][], initial: number[][], maxIterations: number, tolerance: number): KMeansResult {
  const k = initial.length;
  const dims = points[0]?.length ?? 0;
  let centroids = initial;
  const labels = new Array<number>(points.length).fill(0);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    for (let i = 0; i < points.length; i++) {
      let best = 0;
      let bestDistance = Infinity;
      for (let c = 0; c < k; c++) {
        const distance = squaredDistance(points[i]!, centroids[c]!);
        if (distance < bestDistance) {
          bestDistance = distance;
          best = c;
        }
      }
      labels[i] = best;
    }
    const sums = Array.from({ length: k }, () => new Array<number>(dims).fill(0));
    const counts = new Array<number>(k).fill(0);
    points.forEach((p, i) => {
      const label = labels[i]!;
      counts[label]!++;
      for (let d = 0; d < dims; d++) sums[label]![d]! += p[d]!;
    });
    // An emptied cluster keeps its previous centroid rather than collapsing to the origin.
    const next = sums.map((sum, c) => (counts[c]! > 0 ? sum.map((v) => v / counts[c]!) : centroids[c]!.slice()));
    const shift = next.reduce((acc, c, i) => acc + squaredDistance(c, centroids[i]!), 0);
    centroids = next;
    if (shift <= tolerance) break;
  }
  const inertia = points.reduce((acc, p, i) => acc + squaredDistance(p, centroids[labels[i]!]!), 0);
  return { labels, centroids, inertia };
}

/**
 * Seeded k-means (k-means++ init, Lloyd iterations, `nInit` restarts). Deterministic for a given
 * generator state, unlike the unseeded sklearn call upstream. k is capped at the number of points.
 */
export function kmeans(points: readonly number[][], k: number, options: KMeansOptions): KMeansResult {
  if (points.length === 0) return { labels: [], centroids: [], inertia: 0 };
  const clusters = Math.max(1, Math.min(k, points.length));
  const nInit = Math.max(1, options.nInit ?? 1);
  let best: KMeansResult | undefined;
  for (let run = 0; run < nInit; run++) {
    const result = lloyd(points, seedCentroids(points, clusters, options.rng), options.maxIterations ?? 300, options.tolerance ?? 1e-10);
    if (!best || result.inertia < best.inertia) best = result;
  }
  return best!;
}
