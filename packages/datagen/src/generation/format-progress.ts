import type { GenerationProgress } from './run-generation';

/** `1m05s`, `42s`, `2h03m`. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** One progress line: a bar, counts, rejects, spend and ETA. */
export function formatProgress(p: GenerationProgress, width = 20): string {
  const finished = p.resumed + p.accepted + p.rejected + p.failed;
  const parts: string[] = [];
  if (p.total !== undefined && p.total > 0) {
    const filled = Math.min(width, Math.round((finished / p.total) * width));
    parts.push(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${finished}/${p.total}`);
  } else parts.push(`${finished} tasks`);
  parts.push(`accepted ${p.accepted}`, `rejected ${p.rejected}`);
  if (p.failed > 0) parts.push(`failed ${p.failed}`);
  if (p.resumed > 0) parts.push(`resumed ${p.resumed}`);
  parts.push(`cached ${p.cacheHits}`, `$${p.costUsd.toFixed(4)}`);
  if (p.etaMs !== undefined) parts.push(`ETA ${formatDuration(p.etaMs)}`);
  return parts.join(' | ');
}

/** The end-of-run summary: counts, reject reasons, spend, time. */
export function formatSummary(p: GenerationProgress): string {
  const lines = [
    `tasks: ${p.seen} (${p.resumed} done in earlier runs)`,
    `accepted: ${p.accepted} (${p.records} records)`,
    `rejected: ${p.rejected}${Object.keys(p.rejectReasons).length > 0 ? ` (${Object.entries(p.rejectReasons).sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${n}`).join(', ')})` : ''}`,
    `failed: ${p.failed}${p.failed > 0 ? ' (listed in failures.jsonl; a rerun retries them)' : ''}`,
    `cache hits: ${p.cacheHits}`,
    `spent: $${p.costUsd.toFixed(4)}`,
    `time: ${formatDuration(p.elapsedMs)}`,
  ];
  if (p.stoppedBy) lines.push(`stopped early: ${p.stoppedBy}`);
  return lines.join('\n');
}
