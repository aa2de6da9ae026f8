import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { loadNativeBackend, nativeSuiteName } from '../testing/native-backend';
import { selectBackend } from './select-backend';

const fixture = (name: string) => fileURLToPath(new URL(`./__fixtures__/${name}`, import.meta.url));
const native = await loadNativeBackend();

interface Picked {
  code: number | null;
  stderr: string;
  result?: { kind: string; backend: string; skipped: string[]; threads?: number; y: number[] };
}

// A program that picks the backend as the CLIs do, in a child process (the choice is once per process,
// and the point includes everything the process prints on stderr). Its stderr is a file, as with
// `2> log`: TensorFlow's start-up lines bypass Node's streams, so only the file shows everything.
function pickInChild(nodeArgs: string[] = [], env: NodeJS.ProcessEnv = {}, args: string[] = []): Promise<Picked> {
  const clean = { ...process.env, ...env };
  for (const name of ['VLM_TF_BACKEND', 'VLM_WASM_THREADS', 'TF_CPP_MIN_LOG_LEVEL', 'VLM_TF_LOGS']) if (!(name in env)) delete clean[name];
  const errPath = join(mkdtempSync(join(tmpdir(), 'vlm-select-')), 'stderr.txt');
  const errFd = openSync(errPath, 'w');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, '--conditions=@vlm/source', '--import', 'tsx', fixture('select-default.ts'), ...args], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: clean,
      stdio: ['ignore', 'pipe', errFd],
    });
    closeSync(errFd);
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').pop();
      resolve({ code, stderr: readFileSync(errPath, 'utf8'), result: line ? JSON.parse(line) : undefined });
    });
  });
}

describe('selectBackend', () => {
  it('logs once and caches the choice', async () => {
    const lines: string[] = [];
    const first = await selectBackend({ log: (l) => lines.push(l) });
    expect(tf.getBackend()).toBe(first.tfBackend);
    const second = await selectBackend({ log: (l) => lines.push(l) });
    expect(second).toBe(first);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`TF\\.js backend: ${first.tfBackend}`));
  });

  it('falls back past a missing tfjs-node to wasm with the toolkit kernels', async () => {
    const picked = await pickInChild(['--import', fixture('hide-tfjs-node.mjs')]);
    expect(picked.code, picked.stderr.slice(-800)).toBe(0);
    expect(picked.result).toMatchObject({ kind: 'wasm', backend: 'wasm', y: [3, 3, 3, 3] });
    expect(picked.result!.skipped[0]).toMatch(/^node: Cannot find package '@tensorflow\/tfjs-node'/);
    expect(picked.stderr.trim()).toMatch(/^\[vlm\] TF\.js backend: wasm \(simd (true|false), threads \d+, fast kernels true, fused multiply-add (true|false)\)$/);
  });
});

describe.skipIf(!native.ok)(nativeSuiteName('selectBackend with the native backend', native), () => {
  it('picks tfjs-node first, on the tfjs-core the packages use, and prints nothing of TensorFlow but the one line', async () => {
    const picked = await pickInChild();
    expect(picked.code, picked.stderr.slice(-800)).toBe(0);
    expect(picked.result).toEqual({ kind: 'node', backend: 'tensorflow', skipped: [], y: [3, 3, 3, 3] });
    // no absl / oneDNN / CPU-feature lines, loading the toolkit's ops included (CI builds them)
    expect(picked.stderr).toMatch(/^\[vlm\] TF\.js backend: tensorflow \(toolkit TensorFlow ops (true|false)\)\n$/);
    if (process.env.CI) expect(picked.stderr).toContain('toolkit TensorFlow ops true');
  });

  it('VLM_TF_BACKEND=wasm still forces wasm; TF_CPP_MIN_LOG_LEVEL set by the user leaves TensorFlow its own lines', async () => {
    const [wasm, verbose] = await Promise.all([pickInChild([], { VLM_TF_BACKEND: 'wasm' }), pickInChild([], { TF_CPP_MIN_LOG_LEVEL: '0' })]);
    expect(wasm.result).toMatchObject({ kind: 'wasm', backend: 'wasm', skipped: [] });
    expect(verbose.result).toMatchObject({ kind: 'node', backend: 'tensorflow' });
    expect(verbose.stderr).toMatch(/tensorflow|oneDNN|absl/i);
    expect(verbose.stderr).toContain('[vlm] TF.js backend: tensorflow');
  });

  it('prefer: wasm goes first although tfjs-node loads (the demo on 2+ cores); VLM_TF_BACKEND=node still forces node', async () => {
    const [preferred, forced] = await Promise.all([pickInChild([], {}, ['prefer-wasm']), pickInChild([], { VLM_TF_BACKEND: 'node' }, ['prefer-wasm'])]);
    expect(preferred.code, preferred.stderr.slice(-800)).toBe(0);
    expect(preferred.result).toEqual({ kind: 'wasm', backend: 'wasm', skipped: [], threads: 2, y: [3, 3, 3, 3] });
    expect(preferred.stderr).toBe('[vlm] TF.js backend: wasm (simd true, threads 2 on worker_threads, fast kernels true, fused multiply-add true)\n');
    expect(forced.result).toMatchObject({ kind: 'node', backend: 'tensorflow', skipped: [] });
  });
});
