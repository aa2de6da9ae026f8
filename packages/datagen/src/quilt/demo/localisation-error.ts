import type { CursorHit } from '../cursor/extract-cursor';

/** Summary of cursor localisation error in pixels over the frames with a known cursor. */
export interface LocalisationError {
  frames: number;
  detected: number;
  meanPx: number;
  medianPx: number;
  p95Px: number;
  maxPx: number;
}

/** Compares detected cursor positions with the known ones (undetected frames count only in `detected`). */
export function localisationError(hits: readonly (CursorHit | null)[], truth: readonly { x: number; y: number }[]): LocalisationError {
  const errors: number[] = [];
  hits.forEach((hit, i) => {
    const known = truth[i];
    if (hit && known) errors.push(Math.hypot(hit.x - known.x, hit.y - known.y));
  });
  errors.sort((a, b) => a - b);
  const at = (q: number) => errors[Math.min(errors.length - 1, Math.floor(q * errors.length))] ?? NaN;
  return {
    frames: hits.length,
    detected: errors.length,
    meanPx: errors.length ? errors.reduce((a, b) => a + b, 0) / errors.length : NaN,
    medianPx: at(0.5),
    p95Px: at(0.95),
    maxPx: errors.length ? errors[errors.length - 1]! : NaN,
  };
}
