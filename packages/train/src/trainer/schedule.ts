/** Options of {@link learningRateAt}: linear warmup, then cosine decay to `minLrRatio · peak`. */
export interface ScheduleOptions {
  peak: number;
  totalSteps: number;
  warmupSteps: number;
  /** Final learning rate as a fraction of the peak (default 0, as the LLaVA recipes). */
  minLrRatio?: number;
}

/**
 * Learning rate of optimizer step `step` (0-based): `peak · (step + 1) / warmup` during warmup, then
 * half a cosine from the peak down to `minLrRatio · peak` at the last step (HF `cosine` schedule).
 */
export function learningRateAt(step: number, o: ScheduleOptions): number {
  const min = (o.minLrRatio ?? 0) * o.peak;
  if (step < o.warmupSteps) return (o.peak * (step + 1)) / o.warmupSteps;
  const decaySteps = Math.max(1, o.totalSteps - o.warmupSteps);
  const progress = Math.min(1, (step - o.warmupSteps) / decaySteps);
  return min + (o.peak - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

/** Warmup steps from a ratio of the total (rounded up, as HF `warmup_ratio`). */
export function warmupStepsFor(totalSteps: number, warmupRatio: number): number {
  return Math.ceil(totalSteps * warmupRatio);
}
