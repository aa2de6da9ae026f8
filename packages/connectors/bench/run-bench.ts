// Benchmarks of @vlm/connectors on the wasm backend: matmul throughput, slicing, one training step of a
// small transformer with stock vs our wasm kernels (same run), and connector forward+backward times.
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@vlm/core';
import { createConnector, GatedCrossAttentionBlock, registerFastWasmKernels, selectBackend, useLeanSavedTensors, useStockWasmKernels, type TrainableModule } from '../src/index';
import { createTrainingStep } from './small-transformer';

const quick = process.argv.includes('--quick');
const now = () => performance.now();

/** Wall and CPU (user + system of this process) milliseconds per call. */
function time(fn: () => void, reps: number, warmup = 1): { wall: number; cpu: number } {
  for (let i = 0; i < warmup; i++) fn();
  const t = now();
  const c = process.cpuUsage();
  for (let i = 0; i < reps; i++) fn();
  const u = process.cpuUsage(c);
  return { wall: (now() - t) / reps, cpu: (u.user + u.system) / 1000 / reps };
}

function matmulGflops(ta: boolean, tb: boolean, reps: number): string {
  const n = 1024;
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  const { wall, cpu } = time(() => tf.matMul(a, b, ta, tb).dispose(), reps);
  tf.dispose([a, b]);
  return `${((2 * n ** 3) / (wall * 1e6)).toFixed(1)} (${((2 * n ** 3) / (cpu * 1e6)).toFixed(1)})`;
}

function forwardBackwardMs(module: TrainableModule, forward: () => tf.Tensor, reps: number, warmup: number): { wall: number; cpu: number } {
  const vars = [...module.weights().values()];
  return time(() => {
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(forward())) as tf.Scalar, vars);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  }, reps, warmup);
}

// The wasm kernels are what this page measures; tfjs-node against PyTorch is bench/native-vs-torch.ts.
const choice = await selectBackend({ force: 'wasm', log: (l) => console.log(l) });
console.log(`node ${process.version}, ${os.cpus().length} cpus (${os.cpus()[0]?.model}), load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

console.log('\n## 1024x1024x1024 matmul (GFLOP/s)');
console.log('| product | stock wasm: wall (CPU) | ours: wall (CPU) |');
console.log('|---|---|---|');
for (const [label, ta, tb] of [['A·B', false, false], ['Aᵀ·B', true, false], ['A·Bᵀ', false, true]] as const) {
  useStockWasmKernels();
  const stock = matmulGflops(ta, tb, ta || tb ? 1 : 3);
  registerFastWasmKernels();
  const ours = matmulGflops(ta, tb, 3);
  console.log(`| ${label} | ${stock} | ${ours} |`);
}

console.log('\n## Slicing and broadcasting (µs per call): a [16, 69, 512] tensor split in two along its last axis, a [16, 17, 64] hidden state without its first token, and a sum\'s gradient [16, 1, 64] broadcast back to [16, 183, 64]');
console.log('| op | stock wasm: wall (CPU) | ours: wall (CPU) |');
console.log('|---|---|---|');
{
  const wide = tf.randomNormal([16, 69, 512], 0, 1, 'float32', 3);
  const tokens = tf.randomNormal([16, 17, 64], 0, 1, 'float32', 4);
  const dy = tf.randomNormal([16, 1, 64], 0, 1, 'float32', 5);
  const cases: [string, () => void][] = [
    ['tf.split(x, 2, 2) of [16, 69, 512]', () => tf.dispose(tf.split(wide, 2, 2))],
    ['tf.slice(h, [0, 1, 0], [16, 16, 64])', () => tf.slice(tokens, [0, 1, 0], [16, 16, 64]).dispose()],
    ['tf.broadcastTo(dy, [16, 183, 64]) (Tile)', () => tf.broadcastTo(dy, [16, 183, 64]).dispose()],
  ];
  const us = (t: { wall: number; cpu: number }) => `${(t.wall * 1000).toFixed(0)} (${(t.cpu * 1000).toFixed(0)})`;
  for (const [label, fn] of cases) {
    // ours, stock, ours: load from elsewhere hits both alike
    const a = time(fn, 200, 20);
    useStockWasmKernels();
    const stock = time(fn, 200, 20);
    registerFastWasmKernels();
    const b = time(fn, 200, 20);
    console.log(`| ${label} | ${us(stock)} | ${us({ wall: (a.wall + b.wall) / 2, cpu: (a.cpu + b.cpu) / 2 })} |`);
  }
  tf.dispose([wide, tokens, dy]);
}

console.log("\n## Tensors kept for gradients: tfjs-core's copies (an Identity kernel and a tape entry each) vs the lean ones, training step of a small decoder (width 64, 4 heads, 3 layers, seq 17, batch 16, vocab 200, Adam), our kernels");
console.log('| kept tensors | wall ms/step | CPU ms/step |');
console.log('|---|---|---|');
{
  const small = createTrainingStep({ width: 64, heads: 4, layers: 3, seq: 17, batch: 16, vocab: 200 }, 1);
  for (let i = 0; i < 5; i++) small.step();
  const steps = (reps: number) => time(() => small.step(), reps);
  // lean, stock, lean: load from elsewhere hits both alike
  const a = steps(quick ? 10 : 60);
  useLeanSavedTensors(false);
  const stock = steps(quick ? 10 : 60);
  useLeanSavedTensors(true);
  const b = steps(quick ? 10 : 60);
  const lean = { wall: (a.wall + b.wall) / 2, cpu: (a.cpu + b.cpu) / 2 };
  console.log(`| tfjs-core's copies | ${stock.wall.toFixed(2)} | ${stock.cpu.toFixed(2)} |`);
  console.log(`| lean (around the stock run) | ${lean.wall.toFixed(2)} | ${lean.cpu.toFixed(2)} |`);
  console.log(`| speed-up | ${(stock.wall / lean.wall).toFixed(2)}x | ${(stock.cpu / lean.cpu).toFixed(2)}x |`);
  small.dispose();
}

console.log('\n## Training step: decoder width 256, 4 heads, 2 layers, seq 128, batch 8, vocab 1000 (Adam)');
const size = { width: 256, heads: 4, layers: 2, seq: 128, batch: 8, vocab: 1000 };
// One model for both: it is warmed up (kernels set up, Adam slots created) before anything is timed.
const model = createTrainingStep(size, 1);
registerFastWasmKernels();
model.step();
// Interleaved (ours, stock, ours) so that load from other work on the machine hits both alike.
// CPU time of this process is reported too: on a shared machine it is the steadier measure.
const timeSteps = (reps: number) => {
  const t = now();
  const c = process.cpuUsage();
  for (let i = 0; i < reps; i++) model.step();
  const cpu = process.cpuUsage(c);
  return { ms: now() - t, cpuMs: (cpu.user + cpu.system) / 1000, reps };
};
const oursA = timeSteps(quick ? 1 : 2);
useStockWasmKernels();
const stock = timeSteps(1);
registerFastWasmKernels();
const oursB = timeSteps(quick ? 1 : 2);
const oursReps = oursA.reps + oursB.reps;
const oursWall = (oursA.ms + oursB.ms) / oursReps;
const oursCpu = (oursA.cpuMs + oursB.cpuMs) / oursReps;
console.log('| kernels | wall ms/step | CPU ms/step |');
console.log('|---|---|---|');
console.log(`| stock tfjs-backend-wasm (1 step) | ${stock.ms.toFixed(0)} | ${stock.cpuMs.toFixed(0)} |`);
console.log(`| ours (${oursReps} steps, around the stock one) | ${oursWall.toFixed(0)} | ${oursCpu.toFixed(0)} |`);
console.log(`| speed-up | ${(stock.ms / oursWall).toFixed(1)}x | ${(stock.cpuMs / oursCpu).toFixed(1)}x |`);
model.dispose();

console.log('\n## Connectors, forward + backward (ms, our wasm kernels)');
console.log('| connector | shape | params | wall ms | CPU ms |');
console.log('|---|---|---|---|---|');
const rng = createRng('bench');
const shapes = [
  { label: 'tiny', tokens: 16, vision: 32, lm: 64, text: 16 },
  ...(quick ? [] : [{ label: 'LLaVA-1.5', tokens: 576, vision: 1024, lm: 4096, text: 64 }]),
];
for (const s of shapes) {
  const big = s.label !== 'tiny';
  const features = tf.randomNormal([1, s.tokens, s.vision], 0, 1, 'float32', 3);
  const run = (name: string, module: TrainableModule, forward: () => tf.Tensor, outWidth = s.lm) => {
    const { wall, cpu } = forwardBackwardMs(module, forward, big ? 1 : 10, big ? 0 : 1);
    console.log(`| ${name} | ${s.label} ${s.tokens}x${s.vision} -> ${outWidth} | ${module.parameterCount().toLocaleString('en-US')} | ${wall.toFixed(1)} | ${cpu.toFixed(1)} |`);
    module.dispose();
  };
  const media = features.reshape([1, 1, s.tokens, s.vision]);
  // The largest module first, while the wasm heap is unfragmented.
  const g = new GatedCrossAttentionBlock(big ? { dim: s.lm, dimVisual: s.vision } : { dim: s.lm, dimVisual: s.vision, heads: 4, dimHead: 8 }).build(rng.fork('g'));
  const text = tf.randomNormal([1, s.text, s.lm], 0, 1, 'float32', 4);
  const textTime = tf.ones([1, s.text], 'int32');
  run(`gated xattn (text ${s.text} tokens)`, g, () => g.apply(text, media, { textTime }));
  tf.dispose([text, textTime]);
  for (const type of ['linear', 'mlp2x_gelu'] as const) {
    const c = createConnector({ type, inputDim: s.vision, outputDim: s.lm }, rng.fork(type));
    run(type, c, () => c.apply(features));
  }
  const q = createConnector(
    big ? { type: 'qformer', encoderWidth: s.vision, outputDim: s.lm } : { type: 'qformer', hiddenSize: 32, numLayers: 2, numHeads: 4, intermediateSize: 64, encoderWidth: s.vision, numQueries: 8, outputDim: s.lm },
    rng.fork('q'),
  );
  run(big ? 'qformer (BLIP-2 sizes)' : 'qformer (tiny)', q, () => q.apply(features, { training: true }));
  const p = createConnector(big ? { type: 'perceiver', dim: s.vision } : { type: 'perceiver', dim: s.vision, depth: 2, heads: 4, dimHead: 8, numLatents: 8 }, rng.fork('p'));
  run(big ? 'perceiver (depth 6, 64 latents)' : 'perceiver (tiny)', p, () => p.apply(media), s.vision);
  tf.dispose([features, media]);
}
