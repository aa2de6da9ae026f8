// Trainer throughput: optimizer steps/s, tokens/s and trained tokens/s of full trainStage steps
// (splice, forward, backward, clipping, AdamW) for the demo model and a LLaVA-shaped small config,
// with the toolkit's wasm kernels and with stock tfjs-backend-wasm, in the same run.
// Run: pnpm --filter @vlm/train bench:trainer
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IGNORE_INDEX, IMAGE_TOKEN_INDEX, createByteTokenizer, createRng } from '@vlm/core';
import { registerFastWasmKernels, selectBackend, useStockWasmBatchMatMul } from '@vlm/connectors';
import sharp from 'sharp';
import { type LlavaModelSpec, type TrainSample, buildLlavaModel, imageTokensOf } from '../src/index';
import { ImageStore, trainStage } from '../src/node/index';

const choice = await selectBackend({ log: () => {} });
const dir = mkdtempSync(join(tmpdir(), 'vlm-trainer-bench-'));
// A white image with a red square in its top-left quarter (what the pixels are does not change step time).
const squarePng = (size: number) => {
  const px = Buffer.alloc(size * size * 3, 255);
  for (let y = 2; y < size / 2; y++) for (let x = 2; x < size / 2; x++) px.set([220, 30, 30], (y * size + x) * 3);
  return sharp(px, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
};

interface Case { name: string; spec: LlavaModelSpec; samples: TrainSample[]; batch: number; steps: number; image: string; size: number }

function samplesOf(n: number, textLength: number, trainedFrom: number, vocab: number, image: string): TrainSample[] {
  const rng = createRng(1);
  return Array.from({ length: n }, (_, i) => {
    const ids = [1, IMAGE_TOKEN_INDEX, ...Array.from({ length: textLength }, () => 16 + rng.int(vocab - 16))];
    const labels = ids.map((t, k) => (k < trainedFrom || t === IMAGE_TOKEN_INDEX ? IGNORE_INDEX : t));
    return { id: String(i), inputIds: ids, labels, images: [image], trainedTokens: labels.slice(1).filter((l) => l !== IGNORE_INDEX).length };
  });
}

// The shapes demo's full preset (examples/shapes-demo), written out so the library bench needs no demo package.
const p = { imageSize: 32, patchSize: 8, vision: { hiddenSize: 64, layers: 3, heads: 4, intermediateSize: 128 }, lm: { hiddenSize: 96, layers: 2, heads: 4, intermediateSize: 256 } };
const tok = createByteTokenizer();
const demoSpec: LlavaModelSpec = {
  vision: { hiddenSize: p.vision.hiddenSize, intermediateSize: p.vision.intermediateSize, numHiddenLayers: p.vision.layers, numAttentionHeads: p.vision.heads, imageSize: p.imageSize, patchSize: p.patchSize, numChannels: 3, layerNormEps: 1e-5, hiddenAct: 'quick_gelu' },
  lm: { vocabSize: tok.vocabSize, hiddenSize: p.lm.hiddenSize, intermediateSize: p.lm.intermediateSize, numHiddenLayers: p.lm.layers, numAttentionHeads: p.lm.heads, numKeyValueHeads: p.lm.heads, maxPositionEmbeddings: 1024, rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: true },
  connector: { type: 'mlp2x_gelu', inputDim: p.vision.hiddenSize, outputDim: p.lm.hiddenSize },
};
const llavaSpec: LlavaModelSpec = {
  vision: { hiddenSize: 256, intermediateSize: 1024, numHiddenLayers: 4, numAttentionHeads: 4, imageSize: 64, patchSize: 8, numChannels: 3, layerNormEps: 1e-5, hiddenAct: 'quick_gelu' },
  lm: { vocabSize: 32000, hiddenSize: 256, intermediateSize: 688, numHiddenLayers: 4, numAttentionHeads: 4, numKeyValueHeads: 4, maxPositionEmbeddings: 512, rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: false },
  connector: { type: 'mlp2x_gelu', inputDim: 256, outputDim: 256 },
};
for (const size of [p.imageSize, 64]) writeFileSync(join(dir, `${size}.png`), await squarePng(size));
const cases: Case[] = [
  // Stage-2 shaped: 16 samples of 16 image tokens + 160 text bytes, answers trained.
  { name: `demo model (ViT ${p.vision.hiddenSize}x${p.vision.layers}, LLaMA ${p.lm.hiddenSize}x${p.lm.layers}, bytes; batch 16 x 177)`, spec: demoSpec, samples: samplesOf(16, 160, 60, 272, `${p.imageSize}.png`), batch: 16, steps: 4, image: `${p.imageSize}.png`, size: p.imageSize },
  { name: 'LLaVA-shaped small (ViT 256x4 + mlp2x_gelu + LLaMA 256x4, vocab 32000; batch 2 x 256)', spec: llavaSpec, samples: samplesOf(2, 255 - 64 + 1 - 1, 40, 32000, '64.png'), batch: 2, steps: 3, image: '64.png', size: 64 },
];

const rows: string[] = [];
for (const c of cases) {
  const variants: [string, () => void][] = choice.kind === 'wasm' ? [['toolkit kernels', registerFastWasmKernels], ['stock tfjs-wasm', useStockWasmBatchMatMul]] : [[choice.tfBackend, () => {}]];
  for (const [label, setup] of variants) {
    setup();
    const images = new ImageStore({ root: dir, size: c.size });
    const model = buildLlavaModel(c.spec, 1);
    const stage = { name: 'bench', template: 'vicuna_v1', train: { connector: 1e-4, lm: 1e-4 }, steps: c.steps + 1, globalBatchSize: c.batch, warmupRatio: 0 };
    const times: number[] = [];
    let last = performance.now();
    const r = await trainStage({
      model, spec: c.spec, tokenizer: tok, tokenizerSpec: { kind: 'bytes' }, stage, samples: c.samples, images, seed: 0,
      onStep: () => {
        const now = performance.now();
        times.push((now - last) / 1000);
        last = now;
      },
    });
    const timed = times.slice(1); // the first step includes kernel set-up
    const seconds = timed.reduce((a, b) => a + b, 0);
    const tokens = (c.samples[0]!.inputIds.length - 1 + imageTokensOf(c.spec)) * c.batch * timed.length;
    const trained = c.samples.slice(0, c.batch).reduce((n, s) => n + s.trainedTokens, 0) * timed.length;
    rows.push(`| ${c.name} | ${label} | ${(timed.length / seconds).toFixed(2)} | ${(tokens / seconds).toFixed(0)} | ${(trained / seconds).toFixed(0)} | ${r.losses.at(-1)!.toFixed(3)} |`);
    console.error(rows.at(-1));
    model.vision.params.dispose();
    model.lm.params.dispose();
  }
}
rmSync(dir, { recursive: true, force: true });
console.log(`node ${process.version}, backend ${choice.tfBackend}${choice.kind === 'wasm' ? ` (simd ${choice.simd}, threads ${choice.threads})` : ''}`);
console.log('| case | kernels | steps/s | tokens/s | trained tokens/s | last loss |');
console.log('|---|---|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
