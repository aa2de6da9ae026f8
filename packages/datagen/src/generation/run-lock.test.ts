import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { acquireRunLock } from './run-lock';

describe('acquireRunLock', () => {
  it('refuses a second run in the same folder and takes over a lock left by a dead process', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    const release = acquireRunLock(dir);
    expect(() => acquireRunLock(dir)).toThrow(/already running/);
    release();
    expect(existsSync(join(dir, '.run.lock'))).toBe(false);
    // pid 1 is always alive (init): a live holder blocks
    writeFileSync(join(dir, '.run.lock'), '1');
    expect(() => acquireRunLock(dir)).toThrow(/Another run \(pid 1\)/);
    // a pid that cannot exist: stale, taken over
    writeFileSync(join(dir, '.run.lock'), '2147483646');
    const again = acquireRunLock(dir);
    again();
  });
});
