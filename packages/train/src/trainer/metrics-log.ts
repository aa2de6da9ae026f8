import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** One line of `metrics.jsonl`. */
export interface StepMetrics {
  stage: string;
  stageIndex: number;
  step: number;
  loss: number;
  /** Learning rate of each trained module at this step. */
  lr: Record<string, number>;
  gradNorm: number;
  /** Real (non-padding) positions and trained tokens of the global batch. */
  tokens: number;
  trainedTokens: number;
  seconds: number;
  tokensPerSecond: number;
}

/** Appends step metrics to a JSONL file, one object per line (flushed each step). */
export class MetricsLog {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  append(m: StepMetrics): void {
    appendFileSync(this.path, `${JSON.stringify(m)}\n`);
  }

  /** Drops lines of `stageIndex` past `step` (written after the checkpoint a run resumes from). */
  truncateAfter(stageIndex: number, step: number): void {
    if (!existsSync(this.path)) return;
    const kept = readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((line) => {
        if (!line.trim()) return false;
        const m = JSON.parse(line) as StepMetrics;
        return m.stageIndex < stageIndex || (m.stageIndex === stageIndex && m.step <= step);
      });
    writeFileSync(this.path, kept.map((l) => `${l}\n`).join(''));
  }

  /** Every line so far. */
  read(): StepMetrics[] {
    if (!existsSync(this.path)) return [];
    return readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as StepMetrics);
  }
}
