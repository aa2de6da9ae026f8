import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSecondSignalQuit, startVlmTrain } from '../testing/cli-process';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vlm-demo-interrupt-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Resolves once the child's stdout holds `text` (rejects if the child ends first). */
function whenPrinted(child: ChildProcess, text: string): Promise<void> {
  return new Promise((ok, fail) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) {
        child.stdout!.off('data', onData);
        ok();
      }
    };
    child.stdout!.on('data', onData);
    child.on('close', () => fail(new Error(`the demo ended before printing ${JSON.stringify(text)}:\n${seen}`)));
  });
}

describe('vlm-train demo on Ctrl-C (built CLI)', () => {
  it('on SIGINT finishes the step, saves the stage checkpoint, says what was saved and how to continue, exits 130', async () => {
    const { child, done } = startVlmTrain(dir, ['demo', '--quick', '--out', 'cut']);
    await whenPrinted(child, '4/7 stage 1');
    child.kill('SIGINT');
    const r = await done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('SIGINT: finishing the current step, then saving (send it again to quit without saving)');
    // Sent as stage 1 starts: the demo stops in stage 1 or a later one, with that stage's checkpoint.
    const stopped = /interrupted: stage (\d) (\S+) stopped at step (\d+)\/(\d+); checkpoint saved to (\S+)/.exec(r.stdout);
    expect(stopped, r.stdout).not.toBeNull();
    expect(Number(stopped![1])).toBeGreaterThanOrEqual(1);
    const saved = JSON.parse(readFileSync(join(dir, stopped![5]!, 'checkpoint.json'), 'utf8')) as { step: number; totalSteps: number };
    expect([saved.step, saved.totalSteps]).toEqual([Number(stopped![3]), Number(stopped![4])]);
    expect(r.stdout).toMatch(/saved so far: .*cut\/world, .*cut\/data, .*cut\/checkpoints\/0-lm-pretrain, .*cut\/checkpoints\/1-align/);
    expect(r.stdout).toContain('the demo does not resume; no report was written. To run it again from the start (replacing this partial run): npx vlm-train demo --quick --out cut --force');
    expect(existsSync(join(dir, 'cut', 'report.html'))).toBe(false);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);

  it('a second signal quits at once without saving, with the exit code of that signal', async () => {
    const { child, done } = startVlmTrain(dir, ['demo', '--quick', '--out', 'twice']);
    await whenPrinted(child, '2/7 contrastive');
    // Two different signals never merge into one pending signal, so the child sees both; in a process
    // with native threads either may be handled first, so the order is read back below.
    child.kill('SIGINT');
    child.kill('SIGTERM');
    const r = await done;
    expectSecondSignalQuit(r);
    expect(r.stdout).not.toContain('interrupted:');
    expect(r.stdout).not.toContain('3/7');
    expect(existsSync(join(dir, 'twice', 'checkpoints'))).toBe(false);
  }, 120_000);
});
