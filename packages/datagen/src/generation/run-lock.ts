import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { VlmError } from '@vlm/core';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<outDir>/.run.lock` so two runs never append to the same outputs at once (that would write
 * tasks twice). A lock left by a killed run (its pid is gone) is taken over. Returns the release function.
 */
export function acquireRunLock(outDir: string): () => void {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, '.run.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new VlmError('run_locked', `Another run (pid ${pid}) is writing to this output folder.`, {
          location: { file: path },
          hint: 'Wait for it to finish, or use another --out-dir.',
        });
      }
      if (pid === process.pid) {
        throw new VlmError('run_locked', 'This process is already running a generation into this output folder.', { location: { file: path } });
      }
      rmSync(path, { force: true }); // stale: its run was killed
    }
  }
  throw new VlmError('run_locked', 'Could not take the run lock.', { location: { file: path } });
}
