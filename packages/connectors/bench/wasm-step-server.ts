// The benchmark's training step on the wasm backend, `threads=N` and `ops=fused|standard`, behind the
// line protocol of torch_step.py ("steps N" -> {"wall": [...], "cpu": [...]}), plus "matmul N" (1024³
// products). Driven by wasm-vs-torch.ts, one process per contender (threads are fixed when wasm starts).
import { createInterface } from 'node:readline';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/index';
import { createTrainingStep, type StepOps } from './small-transformer';

const opts = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=', 2) as [string, string]));
const choice = await selectBackend({ force: 'wasm', wasmThreads: Number(opts.threads ?? 1), log: () => {} });
const model = createTrainingStep({ width: 256, heads: 4, layers: 2, seq: 128, batch: 8, vocab: 1000 }, 1, (opts.ops ?? 'fused') as StepOps);
const a = tf.randomNormal([1024, 1024], 0, 1, 'float32', 1);
const b = tf.randomNormal([1024, 1024], 0, 1, 'float32', 2);
model.step(); // warm-up: kernels, Adam slots
model.step();
tf.matMul(a, b).dispose();
console.log(JSON.stringify({ ready: true, threads: choice.threads, threadsFallback: choice.threadsFallback }));
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, n] = line.split(' ');
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < Number(n); i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    if (cmd === 'steps') model.step();
    else tf.matMul(a, b).dataSync();
    const u = process.cpuUsage(c);
    wall.push(performance.now() - t);
    cpu.push((u.user + u.system) / 1000);
  }
  console.log(JSON.stringify({ wall, cpu }));
}
