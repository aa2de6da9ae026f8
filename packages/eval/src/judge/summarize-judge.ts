import { relativeScores, type RelativeScoreOptions, type RelativeScores } from '../scores/relative-scores';
import { latestJudgeRecords, type JudgeOrder, type JudgeRecord } from './judge-record';
import { orderBias, type OrderBias } from './order-bias';

/** Counts of one judge pass. Failed items are counted, listed and left out of the scores, never filled in. */
export interface JudgePassSummary {
  order: JudgeOrder;
  total: number;
  ok: number;
  failed: number;
  /** Items that parsed only after a retry. */
  retried: number;
  failedByCategory: Record<string, number>;
  /** Relative scores over the items that parsed; null when none did. */
  scores: RelativeScores | null;
}

/** Everything a report says about a judge run. */
export interface JudgeSummary {
  /** The judge model(s) as requested, and the versions that actually answered. */
  judge: { models: string[]; versions: string[] };
  passes: JudgePassSummary[];
  failures: Array<{ id: string; order: JudgeOrder; reason: string }>;
  /** Present when both orders were judged. */
  orderBias: OrderBias | null;
}

/**
 * Summarises judge records (the latest per id and order): per pass counts, failures and relative scores
 * (both methods; `rounding: 'upstream'` rounds the ratio of means as LLaVA prints it), plus order bias.
 */
export function summarizeJudge(allRecords: readonly JudgeRecord[], options: RelativeScoreOptions = {}): JudgeSummary {
  const records = latestJudgeRecords(allRecords);
  const orders: JudgeOrder[] = ['reference-first', 'model-first'];
  const passes: JudgePassSummary[] = [];
  for (const order of orders) {
    const rs = records.filter((r) => r.order === order);
    if (rs.length === 0) continue;
    const ok = rs.filter((r) => r.status === 'ok' && r.scores);
    const failedByCategory: Record<string, number> = {};
    for (const r of rs) if (r.status !== 'ok') failedByCategory[r.category] = (failedByCategory[r.category] ?? 0) + 1;
    passes.push({
      order,
      total: rs.length,
      ok: ok.length,
      failed: rs.length - ok.length,
      retried: ok.filter((r) => r.attempts.length > 1).length,
      failedByCategory,
      scores: ok.length
        ? relativeScores(
            ok.map((r) => ({ category: r.category, reference: r.scores!.reference, model: r.scores!.model })),
            options,
          )
        : null,
    });
  }
  const versions = new Set<string>();
  for (const r of records) for (const a of r.attempts) versions.add(a.judgeVersion);
  return {
    judge: { models: [...new Set(records.map((r) => r.judgeModel))].sort(), versions: [...versions].sort() },
    passes,
    failures: records
      .filter((r) => r.status !== 'ok')
      .map((r) => ({ id: r.id, order: r.order, reason: r.failureReason ?? 'unknown' })),
    orderBias: orderBias(records),
  };
}
