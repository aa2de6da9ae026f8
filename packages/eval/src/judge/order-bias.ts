import type { JudgeRecord } from './judge-record';

/** How much the judge's scores depend on which answer it saw first. */
export interface OrderBias {
  /** Items with a parsed score in both orders. */
  pairs: number;
  /**
   * Mean points an answer gains by being Assistant 1 rather than Assistant 2, averaged over both answers
   * of each pair: ((ref as 1 − ref as 2) + (model as 1 − model as 2)) / 2. 0 means no position bias.
   */
  meanFirstPositionAdvantage: number;
  /** Pairs where the preferred answer (higher score, or tie) differs between the two orders. */
  preferenceFlips: number;
  /** preferenceFlips / pairs, in 0..1. */
  flipRate: number;
}

const sign = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : 0);

/** Order bias from records of both passes (reference first, and swapped). Null when no item has both. */
export function orderBias(records: readonly JudgeRecord[]): OrderBias | null {
  const first = new Map<string, JudgeRecord>();
  const swapped = new Map<string, JudgeRecord>();
  for (const r of records) {
    if (r.status !== 'ok' || !r.scores) continue;
    (r.order === 'reference-first' ? first : swapped).set(r.id, r);
  }
  let pairs = 0, advantage = 0, flips = 0;
  for (const [id, a] of first) {
    const b = swapped.get(id);
    if (!b?.scores || !a.scores) continue;
    pairs++;
    // a: reference was Assistant 1; b: model was Assistant 1.
    advantage += (a.scores.reference - b.scores.reference + (b.scores.model - a.scores.model)) / 2;
    if (sign(a.scores.model - a.scores.reference) !== sign(b.scores.model - b.scores.reference)) flips++;
  }
  if (pairs === 0) return null;
  return {
    pairs,
    meanFirstPositionAdvantage: Math.round((advantage / pairs) * 1000) / 1000,
    preferenceFlips: flips,
    flipRate: Math.round((flips / pairs) * 1000) / 1000,
  };
}
