import { VlmError } from '@vlm/core';

/** One source of a mixture: a LLaVA JSON/JSONL file with an optional weight or cap. */
export interface MixSource {
  /** Name used in the statistics and the records' `source` field when they have none. */
  name: string;
  file: string;
  /**
   * Without `total`: a multiplier of the source's (de-duplicated) size — 0.5 keeps half, 2 repeats every
   * record twice. With `total`: the source's share of the total, relative to the other weights. Default 1.
   */
  weight?: number;
  /** Keep at most this many records of the source (applied after the weight). */
  cap?: number;
}

/**
 * How many records each source contributes: largest-remainder shares of `total` by weight, or
 * `round(weight * available)` without a total; then the caps. A target above what a source has is met by
 * repeating its records (whole copies plus a seeded sample), as upsampling a small source is meant to.
 */
export function planMixture(sources: readonly MixSource[], available: readonly number[], total?: number): number[] {
  for (const s of sources) {
    if (s.weight !== undefined && !(s.weight >= 0 && Number.isFinite(s.weight))) {
      throw new VlmError('bad_weight', `Weight of source "${s.name}" must be a non-negative number, got ${s.weight}.`, {
        location: { field: s.name },
        hint: 'Use for example --weight vqav2=0.5.',
      });
    }
    if (s.cap !== undefined && !(Number.isInteger(s.cap) && s.cap >= 0)) {
      throw new VlmError('bad_cap', `Cap of source "${s.name}" must be a non-negative integer, got ${s.cap}.`, {
        location: { field: s.name },
        hint: 'Use for example --cap gqa=10000.',
      });
    }
  }
  let targets: number[];
  if (total === undefined) {
    targets = sources.map((s, k) => Math.round((s.weight ?? 1) * available[k]!));
  } else {
    const weights = sources.map((s) => s.weight ?? 1);
    const sum = weights.reduce((a, b) => a + b, 0);
    if (!(sum > 0)) throw new VlmError('bad_weight', 'The weights of a mixture with a total must not all be zero.', { hint: 'Give at least one source a positive weight.' });
    const exact = weights.map((w) => (total * w) / sum);
    targets = exact.map(Math.floor);
    let left = total - targets.reduce((a, b) => a + b, 0);
    const order = exact.map((x, k) => [x - Math.floor(x), k] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    for (const [, k] of order) {
      if (left <= 0) break;
      targets[k]!++;
      left--;
    }
  }
  return targets.map((t, k) => (sources[k]!.cap !== undefined ? Math.min(t, sources[k]!.cap!) : t));
}
