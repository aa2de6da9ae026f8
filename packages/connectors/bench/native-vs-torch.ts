// The connectors benchmark's training step (pre-LN GPT, width 256, 4 heads, 2 layers, seq 128, batch 8,
// vocab 1000, Adam) on the native backend (tfjs-node) against the same model in PyTorch, at the same
// thread count, interleaved in one run: rounds of N TF.js steps and N PyTorch steps, the order alternating,
// so that load from elsewhere on the machine hits both alike. Wall and CPU time (all threads of each
// process) per step; medians over every step.
// Run: pnpm --filter @vlm/connectors bench:native [-- --quick] [--threads N] [--rounds 6] [--steps 4]
// (without --threads: 1 thread, then every core, one process each)
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { registerNativeKernels, restoreStockNativeKernels, selectBackend } from '../src/index';
import { nativeOpsStatus, registerNativeOps, unregisterNativeOps } from '../src/kernels/native-ops';
import { createTrainingStep, type TransformerSize } from './small-transformer';
import { startTorchStepper, torchPython } from './torch-step';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${name} needs a whole number >= 1, got "${process.argv[i + 1] ?? ''}"`);
    process.exit(2);
  }
  return value;
}
const quick = process.argv.includes('--quick');
if (!process.argv.includes('--threads')) {
  // One process per thread count: TensorFlow sizes its thread pools once, when the library starts.
  const { spawnSync } = await import('node:child_process');
  for (const n of [...new Set([1, os.availableParallelism()])]) {
    const run = spawnSync(process.execPath, [...process.execArgv, process.argv[1] as string, ...process.argv.slice(2), '--threads', String(n)], { stdio: 'inherit' });
    if (run.status !== 0) process.exit(run.status ?? 1);
  }
  process.exit(0);
}
const threads = option('threads', 1);
const rounds = option('rounds', quick ? 2 : 6);
const perRound = option('steps', quick ? 2 : 4);

// TensorFlow reads its thread pools' sizes when the library starts, before anything else here runs.
process.env.TF_NUM_INTRAOP_THREADS = String(threads);
process.env.TF_NUM_INTEROP_THREADS = String(threads);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

const choice = await selectBackend({ log: () => {} });
if (choice.kind !== 'node') {
  console.log(`\n## tfjs-node vs PyTorch: not run (the native backend is not available: ${choice.skipped[0] ?? `got ${choice.kind}`}; run node scripts/setup-native.mjs)`);
  process.exit(0);
}
const python = torchPython();
if (!python) {
  console.log('\n## tfjs-node vs PyTorch: not run (no Python with torch; run node scripts/setup-python.mjs)');
  process.exit(0);
}

const size: TransformerSize = { width: 256, heads: 4, layers: 2, seq: 128, batch: 8, vocab: 1000 };
const torch = await startTorchStepper(python, size, threads);
const model = createTrainingStep(size, 1);
model.step(); // warm-up: kernels, Adam slots
model.step();

console.log(`\n## Training step on tfjs-node vs PyTorch ${torch.version}, ${threads} thread(s) each`);
console.log(`node ${process.version}, tfjs-node 4.22.0 (TensorFlow ${process.env.TF_VERSION ?? 'from the tensorflow-cpu wheel'}), ${os.cpus().length} cpus (${os.cpus()[0]?.model}), load average at start ${load()}`);
const tfjs = { wall: [] as number[], cpu: [] as number[] };
const pt = { wall: [] as number[], cpu: [] as number[] };
const tfjsSteps = () => {
  for (let i = 0; i < perRound; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    model.step();
    const u = process.cpuUsage(c);
    tfjs.wall.push(performance.now() - t);
    tfjs.cpu.push((u.user + u.system) / 1000);
  }
};
for (let r = 0; r < rounds; r++) {
  if (r % 2 === 0) tfjsSteps();
  const got = await torch.steps(perRound);
  pt.wall.push(...got.wall);
  pt.cpu.push(...got.cpu);
  if (r % 2 === 1) tfjsSteps();
}
torch.close();

const row = (name: string, s: { wall: number[]; cpu: number[] }) =>
  `| ${name} | ${s.wall.length} | ${median(s.wall).toFixed(0)} | ${Math.min(...s.wall).toFixed(0)}–${Math.max(...s.wall).toFixed(0)} | ${median(s.cpu).toFixed(0)} |`;
console.log('| backend | steps | median wall ms/step | range | median CPU ms/step |');
console.log('|---|---|---|---|---|');
console.log(row(`tfjs-node (TensorFlow C library, ${threads} intra-op threads)`, tfjs));
console.log(row(`PyTorch ${torch.version} (torch.set_num_threads(${threads}))`, pt));
console.log(`tfjs-node / PyTorch: **${(median(tfjs.wall) / median(pt.wall)).toFixed(2)}x** wall, ${(median(tfjs.cpu) / median(pt.cpu)).toFixed(2)}x CPU; load average at end ${load()}`);

// The same step with the toolkit's TensorFlow ops (bias + GELU, LayerNorm, AdamW; the step has no RMSNorm or SwiGLU) against TensorFlow's own
// ops composed (AdamW then as ResourceApplyAdam for large parameters), alternating rounds.
if (nativeOpsStatus()?.loaded) {
  const on: number[] = [];
  const off: number[] = [];
  const timed = (into: number[]) => {
    model.step();
    for (let i = 0; i < perRound; i++) {
      const t = performance.now();
      model.step();
      into.push(performance.now() - t);
    }
  };
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) timed(on);
    unregisterNativeOps();
    timed(off);
    registerNativeOps();
    if (r % 2 === 1) timed(on);
  }
  console.log(`same step, alternating rounds, median wall ms: the toolkit's TensorFlow ops ${median(on).toFixed(0)}, TensorFlow's ops composed ${median(off).toFixed(0)} (${(median(off) / median(on)).toFixed(2)}x)`);
} else {
  console.log(`(the toolkit's TensorFlow ops are not loaded: ${nativeOpsStatus()?.reason ?? 'unknown'}; the step above composed TensorFlow's ops)`);
}
model.dispose();

// The step does ~150 reshapes to another shape (of ~600 TensorFlow ops): tfjs-node's own kernel makes and
// uploads a shape tensor for each, the toolkit's keeps one per shape.
{
  const x = tf.add(tf.ones([8, 128, 256]), 1);
  const us = () => {
    for (let i = 0; i < 300; i++) tf.reshape(x, [1024, 256]).dispose();
    const t = performance.now();
    for (let i = 0; i < 3000; i++) tf.reshape(x, [1024, 256]).dispose();
    return ((performance.now() - t) / 3000) * 1000;
  };
  const a = us();
  restoreStockNativeKernels();
  const stock = us();
  registerNativeKernels();
  const b = us();
  console.log(`reshape [8, 128, 256] -> [1024, 256], µs per call: tfjs-node's kernel ${stock.toFixed(1)}, the toolkit's (shape tensor kept) ${((a + b) / 2).toFixed(1)}`);
  x.dispose();
}
