import { createRng, type Rng } from '@vlm/core';

import { kmeans } from './kmeans';
import { filterIqr } from './quantile';
import type { Box, TracePoint } from './trace-point';

/** Parameters of the trace clustering; defaults are the released Quilt-LLaVA ones. */
export interface TraceClusteringOptions {
  /** Image size in pixels; outliers are found on integer pixel coordinates as upstream. */
  imageWidth: number;
  imageHeight: number;
  /** Time-decay rate: w = exp(-lambda * t). Default 0.2. */
  lambda?: number;
  /** Clusters whose normalised box area is below this are dropped. Default 0.02. */
  minBoxArea?: number;
  /** Clusters whose normalised box area is above this are dropped. Default 0.7. */
  maxBoxArea?: number;
  /** Tukey fence multiplier for outliers; 0 or `removeOutliers: false` disables. Default 1.5. */
  iqrMultiplier?: number;
  removeOutliers?: boolean;
  /** Seed or generator for k-means; equal seeds give equal clusters. */
  rng?: Rng;
  seed?: number | string;
  /** k-means restarts, best inertia kept. Default 10 (upstream passes n_init = k; more restarts make the seed matter less). */
  nInit?: number;
}

/** One k-means cluster of cursor points with its outlier-free box. */
export interface TraceCluster {
  label: number;
  /** Indices into the input points. */
  points: number[];
  /** Box from the points left after outlier removal, normalised, not yet clipped. */
  box: Box;
  area: number;
  meanTime: number;
  /** False when the area filter dropped it. */
  kept: boolean;
}

/** Labels every point and describes each cluster; `k` usually comes from {@link clusterCountForWords}. */
export function clusterTraces(points: readonly TracePoint[], k: number, options: TraceClusteringOptions): TraceCluster[] {
  if (points.length === 0) return [];
  const lambda = options.lambda ?? 0.2;
  const rng = options.rng ?? createRng(options.seed ?? 0);
  const features = points.map((p) => {
    const w = Math.exp(-lambda * p.t);
    return [p.x * w, p.y * w];
  });
  const clusters = Math.min(k, points.length);
  const { labels } = kmeans(features, clusters, { rng, nInit: options.nInit ?? 10 });
  const minArea = options.minBoxArea ?? 0.02;
  const maxArea = options.maxBoxArea ?? 0.7;
  const multiplier = options.iqrMultiplier ?? 1.5;
  const removeOutliers = (options.removeOutliers ?? true) && multiplier > 0;
  const { imageWidth: width, imageHeight: height } = options;

  const result: TraceCluster[] = [];
  for (let label = 0; label < clusters; label++) {
    const members = labels.flatMap((l, i) => (l === label ? [i] : []));
    if (members.length === 0) continue;
    const px = (i: number) => Math.trunc(points[i]!.x * width);
    const py = (i: number) => Math.trunc(points[i]!.y * height);
    let inliers = members;
    if (removeOutliers) {
      inliers = filterIqr(inliers, px, multiplier);
      inliers = filterIqr(inliers, py, multiplier);
    }
    const xs = inliers.map((i) => points[i]!.x);
    const ys = inliers.map((i) => points[i]!.y);
    const box: Box = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    // Area uses the integer pixel box, as the released code does.
    const area = ((Math.max(...inliers.map(px)) - Math.min(...inliers.map(px))) / width) *
      ((Math.max(...inliers.map(py)) - Math.min(...inliers.map(py))) / height);
    const meanTime = members.reduce((acc, i) => acc + points[i]!.t, 0) / members.length;
    result.push({ label, points: members, box, area, meanTime, kept: area >= minArea && area <= maxArea });
  }
  return result;
}
