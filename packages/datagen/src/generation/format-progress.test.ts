import { describe, expect, it } from 'vitest';

import { formatDuration, formatProgress, formatSummary } from './format-progress';
import type { GenerationProgress } from './run-generation';

const progress: GenerationProgress = {
  seen: 60,
  resumed: 10,
  accepted: 35,
  records: 35,
  rejected: 4,
  failed: 1,
  rejectReasons: { all_turns_dropped: 3, unrecognised_format: 1 },
  cacheHits: 2,
  costUsd: 0.01234,
  elapsedMs: 65_000,
  etaMs: 50_000,
  total: 100,
};

describe('progress formatting', () => {
  it('shows a bar, counts, rejects, spend and ETA', () => {
    expect(formatProgress(progress, 10)).toBe('[#####.....] 50/100 | accepted 35 | rejected 4 | failed 1 | resumed 10 | cached 2 | $0.0123 | ETA 50s');
    expect(formatProgress({ ...progress, total: undefined, etaMs: undefined, failed: 0, resumed: 0 })).toBe('39 tasks | accepted 35 | rejected 4 | cached 2 | $0.0123');
  });

  it('summarises a run with reject reasons by frequency', () => {
    const summary = formatSummary({ ...progress, stoppedBy: 'budget' });
    expect(summary).toContain('rejected: 4 (all_turns_dropped 3, unrecognised_format 1)');
    expect(summary).toContain('failed: 1 (listed in failures.jsonl; a rerun retries them)');
    expect(summary).toContain('time: 1m05s');
    expect(summary).toContain('stopped early: budget');
    expect(formatDuration(7_380_000)).toBe('2h03m');
  });
});
