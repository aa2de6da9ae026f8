// Pathology pipelines: cursor extraction frames/s at 1280x720 and slide tiling patches/s, each beside a
// straightforward baseline in the same run. Run: pnpm --filter @vlm/datagen bench pathology
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createRng } from '@vlm/core';
import sharp from 'sharp';

import { drawArrowCursor } from '../src/quilt/demo/arrow-cursor';
import { paintSlide } from '../src/quilt/demo/synthetic-slide';
import { createCursorScratch, extractCursor, medianFrame, readPatch, tileImage, tissueFraction, type RgbFrame } from '../src/index';

const W = 1280;
const H = 720;
const FRAMES = Number(process.env.VLM_BENCH_FRAMES ?? 31);

function time<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

// Baseline median: gather each pixel's values and Array.prototype.sort them.
function sortMedian(frames: readonly RgbFrame[]): Uint8Array {
  const out = new Uint8Array(frames[0]!.data.length);
  const values: number[] = new Array(frames.length);
  for (let i = 0; i < out.length; i++) {
    for (let f = 0; f < frames.length; f++) values[f] = frames[f]!.data[i]!;
    values.sort((a, b) => a - b);
    out[i] = values[(frames.length - 1) >> 1]!;
  }
  return out;
}

// Baseline extraction: same threshold and 7x7 window, but a direct 2-D window sum at every pixel.
function naiveExtract(frame: RgbFrame, median: RgbFrame, threshold = 64, r = 3): { x: number; y: number } {
  const diff = new Uint8Array(W * H);
  for (let p = 0; p < W * H; p++) {
    let d = 0;
    for (let c = 0; c < 3; c++) d = Math.max(d, Math.abs(frame.data[p * 3 + c]! - median.data[p * 3 + c]!));
    diff[p] = d >= threshold ? d : 0;
  }
  let best = 0;
  let bx = 0;
  let by = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let sum = 0;
      for (let dy = -r; dy <= r; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= H) continue;
        for (let dx = -r; dx <= r; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < W) sum += diff[yy * W + xx]!;
        }
      }
      if (sum > best) {
        best = sum;
        bx = x;
        by = y;
      }
    }
  }
  return { x: bx, y: by };
}

async function cursorBench(): Promise<void> {
  const slide = paintSlide(W, H, [{ name: 'r', cx: 640, cy: 360, rx: 200, ry: 140 }], createRng(1), { stroma: [236, 178, 204], nucleus: [84, 38, 128] });
  const truth = Array.from({ length: FRAMES }, (_, i) => ({ x: 100 + i * 35, y: 200 + Math.round(150 * Math.sin(i / 4)) }));
  const frames: RgbFrame[] = truth.map((p, i) => {
    const data = Uint8Array.from(slide);
    drawArrowCursor(data, W, H, p.x, p.y, 2);
    return { width: W, height: H, data, t: i / 8 };
  });
  // The same chunk with per-pixel noise of +-3 levels (as after lossy compression): no value holds a majority.
  const noise = createRng(2);
  const noisy = frames.map((f) => ({ ...f, data: f.data.map((v) => Math.max(0, Math.min(255, v + noise.int(7) - 3))) }));
  const noisyMedian = time(() => medianFrame(noisy));
  const median = time(() => medianFrame(frames));
  const baselineMedian = time(() => sortMedian(frames));
  const baselineNoisyMedian = time(() => sortMedian(noisy));
  const scratch = createCursorScratch(W, H);
  const ours = time(() => frames.map((f) => extractCursor(f, median.value, {}, scratch)));
  const sample = frames.slice(0, 5);
  const naive = time(() => sample.map((f) => naiveExtract(f, median.value)));
  const exact = ours.value.every((hit, i) => hit && hit.x === truth[i]!.x && hit.y === truth[i]!.y);
  const fps = (n: number, ms: number) => ((n * 1000) / ms).toFixed(1);
  console.log(`cursor extraction, ${W}x${H}, ${FRAMES}-frame chunk (tip found exactly in every frame: ${exact})`);
  console.log(`| step | ours | baseline |`);
  console.log(`|---|---|---|`);
  console.log(`| median frame of the chunk, lossless (majority fast path, else quickselect; vs Array.sort per pixel) | ${median.ms.toFixed(0)} ms | ${baselineMedian.ms.toFixed(0)} ms |`);
  console.log(`| median frame of the chunk, +-3 noise (quickselect vs Array.sort per pixel) | ${noisyMedian.ms.toFixed(0)} ms | ${baselineNoisyMedian.ms.toFixed(0)} ms |`);
  console.log(`| cursor per frame (separable running box sum vs direct 7x7 sum) | ${fps(FRAMES, ours.ms)} frames/s | ${fps(sample.length, naive.ms)} frames/s |`);
  console.log(`| whole chunk incl. median, lossless | ${fps(FRAMES, ours.ms + median.ms)} frames/s | ${fps(FRAMES, baselineMedian.ms + (naive.ms / sample.length) * FRAMES)} frames/s |`);
  console.log(`| whole chunk incl. median, noisy | ${fps(FRAMES, ours.ms + noisyMedian.ms)} frames/s | ${fps(FRAMES, baselineNoisyMedian.ms + (naive.ms / sample.length) * FRAMES)} frames/s |`);
}

async function tilingBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vlm-tiling-bench-'));
  const side = Number(process.env.VLM_BENCH_SLIDE ?? 8064); // 12 x 12 patches of 672
  const slide = join(dir, 'slide.tiff');
  // Tissue in an ellipse over a white background, written as a tiled TIFF like a scanner export.
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}"><rect width="100%" height="100%" fill="rgb(246,246,246)"/><ellipse cx="${side / 2}" cy="${side / 2}" rx="${side * 0.4}" ry="${side * 0.3}" fill="rgb(214,132,184)"/></svg>`;
  await sharp(Buffer.from(svg), { limitInputPixels: false }).tiff({ tile: true, tileWidth: 256, tileHeight: 256, compression: 'jpeg', quality: 85 }).toFile(slide);
  const ours = await timeAsync(async () => {
    const { patches } = await tileImage(slide);
    for (const p of patches) await readPatch(slide, p);
    return patches.length;
  });
  // Baseline: decode the whole slide once at full resolution and measure tissue per patch on every pixel.
  const baseline = await timeAsync(async () => {
    const { data, info } = await sharp(slide, { limitInputPixels: false }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const patch = new Uint8Array(672 * 672 * 3);
    let kept = 0;
    for (let y = 0; y + 672 <= info.height; y += 672) {
      for (let x = 0; x + 672 <= info.width; x += 672) {
        for (let row = 0; row < 672; row++) patch.set(data.subarray(((y + row) * info.width + x) * 3, ((y + row) * info.width + x + 672) * 3), row * 672 * 3);
        if (tissueFraction(patch, 3) > 0.5) {
          kept++;
          await sharp(Buffer.from(patch), { raw: { width: 672, height: 672, channels: 3 } }).png().toBuffer();
        }
      }
    }
    return kept;
  });
  const grid = Math.floor(side / 672) ** 2;
  console.log(`\ntiling a ${side}x${side} tiled-JPEG TIFF into 672-px patches (${grid} grid cells), keeping > 50 % tissue and writing each kept patch as PNG`);
  console.log(`| method | kept | time | grid patches/s | kept patches/s |`);
  console.log(`|---|---|---|---|---|`);
  console.log(`| ours: tissue mask on a thumbnail, cut kept patches | ${ours.value} | ${(ours.ms / 1000).toFixed(2)} s | ${((grid * 1000) / ours.ms).toFixed(1)} | ${((ours.value * 1000) / ours.ms).toFixed(1)} |`);
  console.log(`| baseline: decode whole slide, full-res mask per patch | ${baseline.value} | ${(baseline.ms / 1000).toFixed(2)} s | ${((grid * 1000) / baseline.ms).toFixed(1)} | ${((baseline.value * 1000) / baseline.ms).toFixed(1)} |`);
  await rm(dir, { recursive: true, force: true });
}

await cursorBench();
await tilingBench();
