// Forward and forward+backward tokens/s of a small LLaVA composition and a SmolLM-135M-shaped LM,
// on the default backend with the toolkit's wasm kernels, side by side with stock tfjs-backend-wasm.
// Run: pnpm --filter @vlm/train bench   (BENCH_QUICK=1 for fewer iterations)
import * as tf from '@tensorflow/tfjs-core';
import { IGNORE_INDEX, IMAGE_TOKEN_INDEX, createRng } from '@vlm/core';
import { createConnector, registerFastWasmKernels, selectBackend, useStockWasmBatchMatMul } from '@vlm/connectors';
import { ClipVisionModel, LlamaModel, LlavaModel, type LlamaConfig, maskedCrossEntropy, trainableVariables } from '../src/index';

const quick = process.env.BENCH_QUICK === '1';

interface Case {
  name: string;
  tokens: number;
  forward: () => tf.Scalar;
  variables: tf.Variable[];
}

/** Seconds per call: wall clock and this process's CPU time (the machine is shared, so both). */
async function time(fn: () => Promise<void>, iterations: number, warmup: boolean): Promise<{ wall: number; cpu: number }> {
  if (warmup) await fn(); // kernel setup, XNNPACK operator caches
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) await fn();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / iterations / 1000, cpu: (c.user + c.system) / 1e6 / iterations };
}

type Rate = { wall: number; cpu: number };

async function measure(c: Case, iterations: number, warmup: boolean, backward: boolean): Promise<{ fwd: Rate; fwdBwd?: Rate }> {
  const rate = (t: { wall: number; cpu: number }) => ({ wall: c.tokens / t.wall, cpu: c.tokens / t.cpu });
  const fwd = await time(async () => {
    const loss = tf.tidy(c.forward);
    await loss.data();
    loss.dispose();
  }, iterations, warmup);
  if (!backward) return { fwd: rate(fwd) };
  const fwdBwd = await time(async () => {
    const { value, grads } = tf.variableGrads(c.forward, c.variables);
    await value.data();
    await Promise.all(Object.values(grads).map((g) => g.data()));
    value.dispose();
    tf.dispose(grads);
  }, iterations, warmup);
  return { fwd: rate(fwd), fwdBwd: rate(fwdBwd) };
}

function smallLlava(): Case {
  // vision width 256, LM width 256, 4 layers each, 64 image tokens (64 px / patch 8), sequence 256.
  const vision = new ClipVisionModel(
    { hiddenSize: 256, intermediateSize: 1024, numHiddenLayers: 4, numAttentionHeads: 4, imageSize: 64, patchSize: 8, numChannels: 3, layerNormEps: 1e-5, hiddenAct: 'quick_gelu' },
    createRng(1),
  );
  const lmConfig: LlamaConfig = {
    vocabSize: 32000, hiddenSize: 256, intermediateSize: 688, numHiddenLayers: 4, numAttentionHeads: 4, numKeyValueHeads: 4,
    maxPositionEmbeddings: 512, rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: false,
  };
  const lm = new LlamaModel(lmConfig, createRng(2));
  const connector = createConnector({ type: 'mlp2x_gelu', inputDim: 256, outputDim: 256 }, createRng(3));
  const model = new LlavaModel({ vision, connector, lm });
  model.modules.vision.setTrainable(false); // LLaVA stage 2: connector + LM train, vision frozen
  const batch = 2;
  const rng = createRng(4);
  const text = () => Array.from({ length: 255 - 64 + 1 }, () => 3 + rng.int(31990));
  const ids = Array.from({ length: batch }, () => {
    const t = text();
    return [1, IMAGE_TOKEN_INDEX, ...t.slice(0, 191)]; // 1 + 64 + 191 = 256 spliced tokens
  });
  const labels = ids.map((row) => row.map((t, i) => (i < 20 || t === IMAGE_TOKEN_INDEX ? IGNORE_INDEX : t)));
  const pixels = tf.randomUniform([batch, 3, 64, 64], -1, 1, 'float32', 5) as tf.Tensor4D;
  return {
    name: 'LLaVA small (ViT 256x4 + mlp2x_gelu + LLaMA 256x4, 64 img tokens, seq 256, batch 2)',
    tokens: batch * 256,
    forward: () => {
      const out = model.forward({ inputIds: ids, labels, pixelValues: pixels });
      return maskedCrossEntropy(out.logits, out.labels as tf.Tensor2D);
    },
    variables: trainableVariables(model.modules),
  };
}

function smolLm(): Case {
  const config: LlamaConfig = {
    vocabSize: 49152, hiddenSize: 576, intermediateSize: 1536, numHiddenLayers: 30, numAttentionHeads: 9, numKeyValueHeads: 3,
    maxPositionEmbeddings: 2048, rmsNormEps: 1e-5, ropeTheta: 10000, tieWordEmbeddings: true,
  };
  const lm = new LlamaModel(config, createRng(6));
  const rng = createRng(7);
  const seq = 256;
  const ids = tf.tensor2d([Array.from({ length: seq }, () => rng.int(49152))], [1, seq], 'int32');
  return {
    name: `SmolLM-135M shape (${(lm.params.count() / 1e6).toFixed(1)}M params, seq 256, batch 1)`,
    tokens: seq,
    forward: () => maskedCrossEntropy(lm.forward({ inputIds: ids }).logits, ids),
    variables: lm.params.variables(),
  };
}

if (!process.argv[2]) {
  // One process per case: the wasm heap never shrinks, so a case must not inherit another's heap.
  const { spawnSync } = await import('node:child_process');
  for (const key of ['llava', 'smollm']) {
    const run = spawnSync(process.execPath, [...process.execArgv, process.argv[1] as string, key], { stdio: 'inherit' });
    if (run.status !== 0) process.exit(run.status ?? 1);
  }
  process.exit(0);
}

const choice = await selectBackend();
console.log(`node ${process.version}, backend ${choice.tfBackend}${choice.kind === 'wasm' ? ` (simd ${choice.simd}, threads ${choice.threads})` : ''}`);
const only = process.argv[2]; // 'llava' or 'smollm' to run one case
const rows: string[] = [];
const fmt = (r?: Rate) => (r ? `${r.wall.toFixed(0)} (${r.cpu.toFixed(0)})` : 'not run');
const cases = [
  { key: 'llava', make: smallLlava, iterations: quick ? 1 : 2, warmup: true, stockBackward: true },
  // One timed call each, no warm-up (setup is negligible at this size); stock kernels forward only:
  // its transposed products (every backward matmul) take a scalar loop and would run for minutes.
  { key: 'smollm', make: smolLm, iterations: 1, warmup: false, stockBackward: false },
].filter((c) => !only || c.key === only);
for (const spec of cases) {
  const c = spec.make();
  const variants: [string, () => void, boolean][] = choice.kind === 'wasm'
    ? [['toolkit kernels', registerFastWasmKernels, true], ['stock tfjs-wasm', useStockWasmBatchMatMul, spec.stockBackward]]
    : [[choice.tfBackend, () => {}, true]];
  // Stock first for the big LM: its forward needs little memory, but after a backward pass the wasm
  // heap is too fragmented for another 135M-parameter forward.
  if (spec.key === 'smollm') variants.reverse();
  for (const [label, setup, backward] of variants) {
    setup();
    const t0 = performance.now();
    const r = await measure(c, spec.iterations, spec.warmup, backward);
    rows.push(`| ${c.name} | ${label} | ${fmt(r.fwd)} | ${fmt(r.fwdBwd)} |`);
    console.log(rows[rows.length - 1], `(${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  for (const v of c.variables) v.dispose();
}
if (choice.kind === 'wasm') registerFastWasmKernels();
console.log('\ntokens/s by wall clock (and per CPU-second of this process)');
console.log('| model | kernels | forward | forward+backward |\n|---|---|---|---|');
console.log(rows.join('\n'));
