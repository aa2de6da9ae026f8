import { createRng } from '@vlm/core';

import { clusterTraces, type TraceClusteringOptions } from './cluster-traces';
import { formatBox } from './ground-caption';
import type { Box, TracePoint } from './trace-point';

/** A sentence to ground: its text, its time window (seconds, the trace's clock) and its number in the video. */
export interface TimedSentence {
  text: string;
  start: number;
  end: number;
  /** 1-based number of the sentence in the whole transcript, shown on trace pictures. */
  sentence: number;
  /** Word times narrow the window to when the words were actually spoken. */
  words?: readonly { start: number; end: number }[];
}

/** Options of sentence-level grounding. */
export interface UtteranceGroundingOptions extends Omit<TraceClusteringOptions, 'lambda'> {
  /** Seconds before the sentence's first word whose cursor points still count (narrators point first). Default 0. */
  lead?: number;
  /** Seconds after its last word. Default 0. */
  lag?: number;
  /** k-means clusters within one sentence's window; the one holding most points gives the box. Default 1. */
  clustersPerSentence?: number;
}

/** One sentence after grounding; `box` is absent when its window had no usable cursor points. */
export interface SentenceGrounding {
  sentence: number;
  text: string;
  /** The window the points were taken from, seconds. */
  start: number;
  end: number;
  points: number;
  box?: Box;
}

/** A caption grounded sentence by sentence. */
export interface UtteranceGroundedCaption {
  /** `sentence [x1, y1, x2, y2], sentence, ...`: grounded sentences carry their box. */
  text: string;
  segments: { text: string; box: Box; cluster: number; sentence: number }[];
  sentences: SentenceGrounding[];
  grounded: boolean;
}

/**
 * Sentence-level grounding: each sentence gets the box of the cursor points inside its own time window
 * (word times when present, widened by `lead`/`lag`), clustered within that window: k-means with
 * `clustersPerSentence` clusters (no time weighting), the cluster with most points, the 1.5·IQR outlier
 * rule and the area filter of the upstream clustering. On a lecture that is one static slide this puts
 * each sentence on the region the cursor circled while it was spoken, where the whole-chunk rule
 * ({@link groundCaption}) mixes them.
 */
export function groundUtterances(points: readonly TracePoint[], sentences: readonly TimedSentence[], options: UtteranceGroundingOptions): UtteranceGroundedCaption {
  const lead = options.lead ?? 0;
  const lag = options.lag ?? 0;
  const k = Math.max(1, options.clustersPerSentence ?? 1);
  const rng = options.rng ?? createRng(options.seed ?? 0);
  const results: SentenceGrounding[] = sentences.map((s) => {
    const first = s.words && s.words.length > 0 ? Math.min(...s.words.map((w) => w.start)) : s.start;
    const last = s.words && s.words.length > 0 ? Math.max(...s.words.map((w) => w.end)) : s.end;
    const start = first - lead;
    const end = last + lag;
    const inside = points.filter((p) => p.t >= start && p.t <= end);
    const base: SentenceGrounding = { sentence: s.sentence, text: s.text, start, end, points: inside.length };
    if (inside.length === 0) return base;
    const clusters = clusterTraces(inside, Math.min(k, inside.length), { ...options, lambda: 0, rng: rng.fork(`sentence-${s.sentence}`) }).filter((c) => c.kept);
    if (clusters.length === 0) return base;
    const best = clusters.reduce((a, b) => (b.points.length > a.points.length ? b : a));
    return { ...base, box: best.box.map((v) => Math.min(1, Math.max(0, v))) as Box };
  });
  const segments = results.flatMap((r, i) => (r.box ? [{ text: r.text, box: r.box, cluster: i, sentence: r.sentence }] : []));
  const text = results.map((r) => (r.box ? `${r.text} ${formatBox(r.box)}` : r.text)).join(', ');
  return { text, segments, sentences: results, grounded: segments.length > 0 };
}
