/** What one progress line shows. */
export interface ProgressState {
  stage: string;
  step: number;
  totalSteps: number;
  loss: number;
  lr: number;
  tokensPerSecond: number;
  /** Seconds left at the current pace. */
  etaSeconds: number;
}

/** `m:ss` or `h:mm:ss`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** `align  [#####-----]  12/40  loss 2.3141  lr 1.0e-3  5123 tok/s  ETA 0:42`. */
export function formatProgress(p: ProgressState, width = 20): string {
  const done = Math.round((width * p.step) / Math.max(1, p.totalSteps));
  const bar = `[${'#'.repeat(done)}${'-'.repeat(width - done)}]`;
  const steps = `${String(p.step).padStart(String(p.totalSteps).length)}/${p.totalSteps}`;
  return `${p.stage}  ${bar}  ${steps}  loss ${p.loss.toFixed(4)}  lr ${p.lr.toExponential(1)}  ${Math.round(p.tokensPerSecond)} tok/s  ETA ${formatDuration(p.etaSeconds)}`;
}
