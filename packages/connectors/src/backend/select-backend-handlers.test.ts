import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./__fixtures__/user-error-after-select.ts', import.meta.url));

// The user's program runs under tsx from the sources, as a developer runs it; a child process because
// the point is what the process does with its own errors after the wasm backend started.
function runUserProgram(mode: 'throw' | 'reject'): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--conditions=@vlm/source', '--import', 'tsx', script, mode], { cwd: fileURLToPath(new URL('../..', import.meta.url)) }, (error, _stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr });
    });
  });
}

describe('selectBackend leaves process-wide error handling alone', () => {
  it("a user's uncaught error and unhandled rejection after wasm init exit 1 with their own message, no emscripten glue", async () => {
    const [thrown, rejected] = await Promise.all([runUserProgram('throw'), runUserProgram('reject')]);
    expect(thrown.code, thrown.stderr.slice(-500)).toBe(1);
    expect(thrown.stderr).toContain('Error: user bug 42');
    expect(rejected.code, rejected.stderr.slice(-500)).toBe(1);
    expect(rejected.stderr).toContain('Error: user rejection 42');
    for (const { stderr } of [thrown, rejected]) {
      expect(stderr).not.toContain('tfjs-backend-wasm');
      expect(stderr.length).toBeLessThan(2000); // the glue printed around its rethrow is ~38 KB
    }
  });
});
