import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVlmTrain } from '../testing/cli-process';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vlm-demo-runs-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vlm-train demo keeps runs apart and never overwrites one (built CLI)', () => {
  it('--quick writes to its own folder, says it is not expected to learn, and is not replaced without --force', async () => {
    const first = await runVlmTrain(dir, 'demo', '--quick');
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(join(dir, 'vlm-demo'))).toBe(false); // the full demo's folder stays untouched
    const report = join(dir, 'vlm-demo-quick', 'report.html');
    expect(first.stdout).toContain(`report: ${join('vlm-demo-quick', 'report.html')}`);
    expect(first.stdout).toMatch(/note: This was a quick run.*It is not expected to learn/);
    expect(readFileSync(report, 'utf8')).toMatch(/<p class="notice"><b>Note:<\/b> This was a quick run.*It is not expected to learn/);

    const written = statSync(report).mtimeMs;
    const again = await runVlmTrain(dir, 'demo', '--quick');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/\[run_exists\] vlm-demo-quick already holds a demo run \(.*checkpoints.*\); it is not overwritten/);
    expect(again.stderr).toContain('--force');
    expect(statSync(report).mtimeMs).toBe(written);

    const forced = await runVlmTrain(dir, 'demo', '--quick', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(statSync(report).mtimeMs).toBeGreaterThan(written);
  }, 180_000); // two quick demos in child processes: generous for a loaded machine
});
