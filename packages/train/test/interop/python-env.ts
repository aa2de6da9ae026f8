import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Python environment that judges the interop tests (torch, transformers, peft, safetensors, pillow).
 * Found at `$VLM_PYTHON`, else `<repo>/.venv/bin/python`; `node scripts/setup-python.mjs` creates the latter.
 */
export type PythonEnv = { python: string } | { reason: string };

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (this file is `packages/train/test/interop/python-env.ts`). */
export const repoRoot = resolve(here, '../../../..');
/** The one command that makes the interop suites run instead of being skipped. */
export const enableCommand = 'node scripts/setup-python.mjs';
const modules = ['torch', 'transformers', 'peft', 'safetensors', 'PIL'];

let cached: PythonEnv | undefined;

/** Finds the judge interpreter and checks that it has every module, without importing them (fast). */
export function findPythonEnv(): PythonEnv {
  if (cached) return cached;
  const python = process.env.VLM_PYTHON || join(repoRoot, '.venv', 'bin', 'python');
  const from = process.env.VLM_PYTHON ? 'VLM_PYTHON' : '<repo>/.venv';
  if (!existsSync(python)) {
    cached = { reason: `no Python interop env (${from}: ${python} not found); run \`${enableCommand}\`` };
    return cached;
  }
  const probe = `import importlib.util, sys\nmissing = [m for m in ${JSON.stringify(modules)} if importlib.util.find_spec(m) is None]\nprint(' '.join(missing))`;
  const result = spawnSync(python, ['-c', probe], { encoding: 'utf8', timeout: 60_000 });
  const missing = result.status === 0 ? result.stdout.trim() : `(probe failed: ${(result.stderr || String(result.error)).trim().split('\n').pop()})`;
  cached = missing ? { reason: `Python interop env ${python} lacks ${missing}; run \`${enableCommand}\`` } : { python };
  return cached;
}

/** A describe() name for an interop suite: the title, plus why it is skipped and how to enable it. */
export function interopSuiteName(title: string, env: PythonEnv = findPythonEnv()): string {
  return 'reason' in env ? `${title} (skipped: ${env.reason})` : title;
}

/**
 * Runs `script` (a file name in `packages/train/test/interop/`, or an absolute path) with the judge
 * interpreter and `args`; resolves to its stdout. A non-zero exit rejects with the script's stderr.
 */
export function runPython(script: string, args: readonly string[] = [], options: { timeoutMs?: number } = {}): Promise<string> {
  const env = findPythonEnv();
  if (!('python' in env)) return Promise.reject(new Error(env.reason));
  const path = isAbsolute(script) ? script : join(here, script);
  return new Promise((resolvePromise, reject) => {
    execFile(
      env.python,
      [path, ...args],
      {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
        timeout: options.timeoutMs ?? 300_000,
        // one thread each: the machine is shared, and the judge needs determinism more than speed
        env: { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', TOKENIZERS_PARALLELISM: 'false', HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1', PYTHONHASHSEED: '0' },
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`python ${script} ${args.join(' ')} failed (${error.message.split('\n')[0]}):\n${stderr.slice(-4000)}`));
        else resolvePromise(stdout);
      },
    );
  });
}
