import { countWords } from '../transcript/utterance';
import { assignUtterances, type TimedText } from './assign-utterances';
import { clusterCountForWords } from './cluster-count';
import { clusterTraces, type TraceCluster, type TraceClusteringOptions } from './cluster-traces';
import { pythonRound2 } from './python-round';
import type { Box, TracePoint } from './trace-point';

/** One part of a grounded caption: the words said while the cursor covered `box`. */
export interface GroundedSegment {
  text: string;
  /** Clipped to [0, 1], full precision. */
  box: Box;
  /** Cluster id after renumbering by first appearance. */
  cluster: number;
  /** Sentence-level grounding: the 1-based number of the sentence in the transcript. */
  sentence?: number;
}

/** The grounded caption: `words [x1, y1, x2, y2], words [..]`, or the raw caption when no cluster survived. */
export interface GroundedCaption {
  text: string;
  segments: GroundedSegment[];
  grounded: boolean;
  clusters: TraceCluster[];
}

/** Options of {@link groundCaption}: the clustering ones plus the merge threshold. */
export interface GroundCaptionOptions extends TraceClusteringOptions {
  /** The whole caption; defaults to the utterances joined by spaces. Its word count chooses k. */
  caption?: string;
  /** Clusters with at most this many words are merged into a neighbour. Default 3. */
  minWords?: number;
}

/** Formats `[x1, y1, x2, y2]` with each value clipped to [0, 1] and printed as Python's `round(v, 2)`. */
export function formatBox(box: Box): string {
  return `[${box.map((v) => pythonRound2(Math.min(1, Math.max(0, v)))).join(', ')}]`;
}

/** Renders segments as the Quilt-LLaVA grounded caption string. */
export function formatGroundedCaption(segments: readonly { text: string; box: Box }[]): string {
  return segments.map((s) => `${s.text} ${formatBox(s.box)}`).join(', ');
}

/**
 * The whole grounding step of Quilt-LLaVA: time-weighted k-means of the cursor trace, IQR boxes,
 * area filter, utterance mapping, small-cluster merging and the caption string.
 */
export function groundCaption(points: readonly TracePoint[], utterances: readonly TimedText[], options: GroundCaptionOptions): GroundedCaption {
  const caption = options.caption ?? utterances.map((u) => u.text).join(' ');
  const clusters = clusterTraces(points, clusterCountForWords(countWords(caption)), options);
  const kept = clusters.filter((c) => c.kept);
  if (kept.length === 0) return { text: caption, segments: [], grounded: false, clusters };
  const groups = assignUtterances(utterances, kept, options.minWords ?? 3);
  const boxes = new Map(kept.map((c) => [c.label, c.box]));
  const segments = groups.map((g): GroundedSegment => ({
    text: g.texts.join(' '),
    box: boxes.get(g.label)!.map((v) => Math.min(1, Math.max(0, v))) as Box,
    cluster: g.cluster,
  }));
  if (segments.length === 0) return { text: caption, segments: [], grounded: false, clusters };
  return { text: formatGroundedCaption(segments), segments, grounded: true, clusters };
}
