// Drives bench/torch_step.py (the same training step in PyTorch) over stdin/stdout, so that a benchmark
// can interleave PyTorch steps with TF.js steps in one run.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TransformerSize } from './small-transformer';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');

/** The interpreter with torch: `$VLM_PYTHON`, else `<repo>/.venv/bin/python` (`node scripts/setup-python.mjs`). */
export function torchPython(): string | undefined {
  const python = process.env.VLM_PYTHON || join(repoRoot, '.venv', 'bin', 'python');
  return existsSync(python) ? python : undefined;
}

/** Wall and CPU milliseconds of each PyTorch step. */
export interface TorchSteps {
  wall: number[];
  cpu: number[];
}

/** A PyTorch process holding the model (warmed up); `steps(n)` runs n training steps. */
export interface TorchStepper {
  version: string;
  threads: number;
  steps(n: number): Promise<TorchSteps>;
  close(): void;
}

export async function startTorchStepper(python: string, size: TransformerSize, threads: number): Promise<TorchStepper> {
  const args = Object.entries({ ...size, threads }).map(([k, v]) => `${k}=${v}`);
  const child: ChildProcessWithoutNullStreams = spawn(python, [join(here, 'torch_step.py'), ...args], {
    env: { ...process.env, OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const line = await lines.next();
    if (line.done) throw new Error(`torch_step.py ended: ${stderr.slice(-2000)}`);
    return JSON.parse(line.value) as Record<string, unknown>;
  };
  const ready = await next();
  return {
    version: String(ready.torch),
    threads: Number(ready.threads),
    steps: async (n) => {
      child.stdin.write(`steps ${n}\n`);
      return (await next()) as unknown as TorchSteps;
    },
    close: () => child.stdin.end(),
  };
}
