import type { Box } from '../grounding/trace-point';
import type { GroundedChunk, GroundingMode } from '../pipeline/ground-video';

/** Intersection over union of two boxes. */
export function boxIou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/** How well one grounding put the sentences on the regions they name. */
export interface GroundingHitRate {
  mode: GroundingMode;
  sentences: number;
  /** Sentences whose box overlaps the narrated region with IoU >= `minIou`. */
  hits: number;
  /** Mean IoU over all sentences (0 for a sentence without a box). */
  meanIou: number;
  minIou: number;
}

/**
 * Scores a grounding against known regions: `regions[i]` is the region sentence i + 1 talks about. A
 * sentence's box is its own segment (utterance grounding) or the segment whose words contain it
 * (upstream grounding); a hit is IoU >= `minIou` (default 0.5).
 */
export function groundingHitRate(chunks: readonly GroundedChunk[], regions: readonly Box[], mode: GroundingMode, minIou = 0.5): GroundingHitRate {
  const ious = regions.map((region, i) => {
    const sentence = i + 1;
    for (const chunk of chunks) {
      const utterance = chunk.utterances.find((u) => u.sentence === sentence);
      if (!utterance) continue;
      const segments = chunk.groundings[mode].segments;
      const segment = mode === 'utterance' ? segments.find((s) => s.sentence === sentence) : segments.find((s) => s.text.includes(utterance.text));
      return segment ? boxIou(segment.box, region) : 0;
    }
    return 0;
  });
  return {
    mode,
    sentences: regions.length,
    hits: ious.filter((v) => v >= minIou).length,
    meanIou: ious.length ? ious.reduce((a, b) => a + b, 0) / ious.length : 0,
    minIou,
  };
}
