import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { VlmError } from '@vlm/core';
import { afterEach, describe, expect, it } from 'vitest';
import { requestedWasmThreads, WASM_THREADS_ENV_VAR } from './wasm-threads';

const script = fileURLToPath(new URL('./__fixtures__/threaded-wasm-program.ts', import.meta.url));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

// A child process: the point is what the process does with its worker threads, handlers and exit.
// The timeout catches a process that pthread workers keep alive after its program ended.
function run(threads: string, mode: 'values' | 'throw' | 'nosab'): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@vlm/source', '--import', 'tsx', script, threads, mode],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)), timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const e = error as { code?: number; signal?: NodeJS.Signals } | null;
        resolve({ code: e ? (e.code ?? null) : 0, signal: e?.signal ?? null, stdout, stderr });
      },
    );
  });
}

const jsonLines = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

// All four programs start together (each is mostly tsx and wasm start-up), so the file takes one
// child's time rather than two.
let all: Promise<Run[]> | undefined;
const runs = () => (all ??= Promise.all([run('2', 'values'), run('1', 'values'), run('2', 'throw'), run('auto', 'nosab')]));

function maxDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);
}

describe('wasm on worker threads (selectBackend wasmThreads)', () => {
  it('runs 2 threads, equals 1 thread within 1e-5, and the process ends on its own', async () => {
    const [two, one] = (await runs()) as [Run, Run];
    for (const r of [two, one]) expect({ code: r.code, signal: r.signal }, r.stderr.slice(-800)).toEqual({ code: 0, signal: null });
    expect(two.stdout).toContain('[vlm] TF.js backend: wasm (simd true, threads 2 on worker_threads, fast kernels true, fused multiply-add true)');
    expect(one.stdout).toContain('[vlm] TF.js backend: wasm (simd true, threads 1, fast kernels true, fused multiply-add true)');
    type Out = { linear: number[]; attention: number[]; shared: number[]; fusedLoss: number; fusedGrads: number[]; adamw: number[]; scores: number[]; uneven: number[]; loss: number; grad: number[]; tableGrad: number[]; gemmThreads: number };
    const [twoChoice, twoOut] = jsonLines(two.stdout) as [{ choice: { threads: number } }, Out];
    const [, oneOut] = jsonLines(one.stdout) as [unknown, Out];
    expect(twoChoice.choice.threads).toBe(2);
    // the products ran on the toolkit's gemm, with one helper thread on the threaded build
    expect([twoOut.gemmThreads, oneOut.gemmThreads]).toEqual([2, 1]);
    expect(maxDiff(twoOut.scores, oneOut.scores)).toBeLessThan(1e-5);
    expect(twoOut.uneven).toHaveLength(37 * 200);
    expect(maxDiff(twoOut.uneven, oneOut.uneven)).toBeLessThan(1e-5);
    expect(maxDiff(twoOut.grad, oneOut.grad)).toBeLessThan(1e-5);
    expect(maxDiff(twoOut.tableGrad, oneOut.tableGrad)).toBeLessThan(1e-5);
    expect(twoOut.tableGrad.some((g) => g !== 0)).toBe(true);
    expect(Math.abs(twoOut.loss - oneOut.loss)).toBeLessThan(1e-5);
    // batched small products (items across threads) and the fused kernels' bands of rows
    expect(twoOut.attention).toHaveLength(9 * 128 * 128 + 9 * 128 * 64);
    expect(maxDiff(twoOut.attention, oneOut.attention)).toBeLessThan(1e-5);
    expect(twoOut.shared).toHaveLength(24 * 96 * 80);
    expect(maxDiff(twoOut.shared, oneOut.shared)).toBeLessThan(1e-5);
    expect(Math.abs(twoOut.fusedLoss - oneOut.fusedLoss)).toBeLessThan(1e-5);
    expect(twoOut.fusedGrads).toHaveLength(512 + 256 + 256 + 160 * 1000 + 2 * 300 * 512 + 6 * 4 * 50 * 128 + 8 * 4 * 70 * 16);
    expect(maxDiff(twoOut.fusedGrads, oneOut.fusedGrads)).toBeLessThan(1e-5);
    expect(twoOut.fusedGrads.some((g) => g !== 0)).toBe(true);
    // the linear layer's kernels: forward and the three gradients of its backward kernel
    expect(twoOut.linear).toHaveLength(4 * 130 * 256 + 256 * 192 + 192);
    expect(maxDiff(twoOut.linear, oneOut.linear)).toBeLessThan(1e-5);
    expect(twoOut.linear.some((g) => g !== 0)).toBe(true);
    expect(twoOut.adamw).toHaveLength(3 * 40_001);
    expect(maxDiff(twoOut.adamw, oneOut.adamw)).toBeLessThan(1e-5);
    expect(twoOut.grad.some((g) => g !== 0)).toBe(true);
  }, 90_000);

  it("leaves a user's uncaught error alone (exit 1, their message), and falls back to one thread with one line saying why", async () => {
    const [, , thrown, fallback] = (await runs()) as [Run, Run, Run, Run];
    expect(thrown.code, thrown.stderr.slice(-800)).toBe(1);
    expect(thrown.stderr).toContain('Error: user bug 43');
    expect(thrown.stderr).not.toContain('tfjs-backend-wasm');
    expect(thrown.stderr.length).toBeLessThan(2000);
    expect(fallback.code, fallback.stderr.slice(-800)).toBe(0);
    const lines = fallback.stdout.split('\n').filter((l) => l.startsWith('[vlm]'));
    expect(lines).toEqual(['[vlm] TF.js backend: wasm (simd true, threads 1, single-threaded: SharedArrayBuffer is not available, fast kernels true, fused multiply-add true)']);
  }, 90_000);
});

describe('requestedWasmThreads', () => {
  afterEach(() => {
    delete process.env[WASM_THREADS_ENV_VAR];
  });

  it('reads the option, else VLM_WASM_THREADS, else 1, and caps at 8', async () => {
    expect(await requestedWasmThreads(undefined)).toBe(1);
    process.env[WASM_THREADS_ENV_VAR] = '3';
    expect(await requestedWasmThreads(undefined)).toBe(3);
    expect(await requestedWasmThreads(2)).toBe(2);
    expect(await requestedWasmThreads(64)).toBe(8);
    const auto = await requestedWasmThreads('auto');
    expect(auto).toBeGreaterThanOrEqual(1);
    expect(auto).toBeLessThanOrEqual(8);
  });

  it('rejects a bad count with the field it came from', async () => {
    process.env[WASM_THREADS_ENV_VAR] = 'two';
    const fromEnv = await requestedWasmThreads(undefined).catch((e: unknown) => e);
    expect(fromEnv).toBeInstanceOf(VlmError);
    expect((fromEnv as VlmError).message).toContain('"two"');
    expect(JSON.stringify((fromEnv as VlmError).location)).toContain(WASM_THREADS_ENV_VAR);
    const fromOption = await requestedWasmThreads(0).catch((e: unknown) => e);
    expect(JSON.stringify((fromOption as VlmError).location)).toContain('wasmThreads');
  });
});
