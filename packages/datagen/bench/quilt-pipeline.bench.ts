// The whole Quilt grounding stage on a 1280x720 H.264 lecture — decode + stable chunks + median frame +
// cursor + grounding + median/trace pictures — ours (raw RGB over a pipe into recycled buffers, frames
// held as frame-to-frame word differences, cursor difference updated where a frame changed) beside the
// pipeline before issue 15 (PNG files through sharp, frozen in bench/baseline-quilt/) in the same run,
// rounds alternating. Load average and CPU per frame are printed: other processes share the machine.
// Run: cd packages/datagen && node --import tsx bench/index.ts quilt-pipeline
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createRng } from '@vlm/core';

import { drawArrowCursor } from '../src/quilt/demo/arrow-cursor';
import { paintSlide, type SlideRegion } from '../src/quilt/demo/synthetic-slide';
import { decodeVideo, groundVideo, requireFfmpeg, type Utterance } from '../src/index';
import { extractVideoFrames } from './baseline-quilt/ffmpeg';
import { groundVideo as baselineGroundVideo } from './baseline-quilt/ground-video';

const W = 1280;
const H = 720;
const FPS = 10;
const SECONDS = Number(process.env.VLM_BENCH_SECONDS ?? 20);
const ROUNDS = Number(process.env.VLM_BENCH_ROUNDS ?? 2);
// Which variants run (comma-separated: ours, baseline, decode-only); all by default.
const VARIANTS = (process.env.VLM_BENCH_VARIANTS ?? 'ours,baseline,decode-only').split(',');
const ffmpeg = requireFfmpeg().path;

const REGIONS: SlideRegion[] = [
  { name: 'a', cx: 1000, cy: 520, rx: 140, ry: 90 },
  { name: 'b', cx: 280, cy: 180, rx: 130, ry: 90 },
  { name: 'c', cx: 640, cy: 380, rx: 120, ry: 80 },
];
const SLOT = SECONDS / REGIONS.length;

function cursorAt(t: number): { x: number; y: number } {
  const i = Math.min(REGIONS.length - 1, Math.floor(t / SLOT));
  const r = REGIONS[i]!;
  const angle = ((t - i * SLOT) / SLOT) * Math.PI * 4;
  return { x: r.cx + r.rx * Math.cos(angle), y: r.cy + r.ry * Math.sin(angle) };
}

async function encodeLecture(file: string): Promise<void> {
  const slide = paintSlide(W, H, REGIONS, createRng('bench-lecture'), { stroma: [236, 178, 204], nucleus: [84, 38, 128] });
  const child = spawn(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${W}x${H}`, '-r', String(FPS), '-i', 'pipe:0', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p', file], {
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  const done = new Promise<void>((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`)))));
  for (let f = 0; f < SECONDS * FPS; f++) {
    const image = Uint8Array.from(slide);
    const p = cursorAt(f / FPS);
    drawArrowCursor(image, W, H, p.x, p.y, 2);
    if (!child.stdin.write(image)) await new Promise((resolve) => child.stdin.once('drain', resolve));
  }
  child.stdin.end();
  await done;
}

const utterances: Utterance[] = REGIONS.map((_, i) => ({
  start: i * SLOT + 0.3,
  end: (i + 1) * SLOT - 0.3,
  text: ['Down here on the right the tumour infiltrates the stroma in small nests.', 'Up in the left corner the glands are crowded.', 'In the centre there is necrosis.'][i]!,
}));

// CPU seconds of this process and of its waited-for children (ffmpeg), from /proc.
function cpuSeconds(): { self: number; children: number } {
  const usage = process.cpuUsage();
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // After "pid (comm) ": state is field 3, so cutime (16) and cstime (17) are at 13 and 14.
  const ticks = 100;
  return { self: (usage.user + usage.system) / 1e6, children: (Number(fields[13]) + Number(fields[14])) / ticks };
}

async function measure(name: string, fn: () => Promise<number>): Promise<{ name: string; frames: number; wall: number; self: number; children: number }> {
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  const frames = await fn();
  const wall = (performance.now() - t0) / 1000;
  const cpu1 = cpuSeconds();
  return { name, frames, wall, self: cpu1.self - cpu0.self, children: cpu1.children - cpu0.children };
}

type Run = Awaited<ReturnType<typeof measure>>;

// One variant on an existing video, in this (fresh) process: the parent runs every measurement in its
// own Node process, so no variant inherits another's heap, JIT state or sharp threads.
async function runOne(which: string, video: string, out: string): Promise<Run> {
  if (which === 'ours') {
    return measure('ours: rgb24 pipe, frame differences, both groundings', async () => {
      const chunks = await groundVideo(decodeVideo(video, { fps: FPS, ffmpeg }).frames({ recycle: true }), utterances, { videoId: 'bench', outDir: out });
      return chunks.reduce((n, c) => n + c.frameEnd - c.frameStart, 0);
    });
  }
  if (which === 'baseline') {
    return measure('before issue 15: PNG files, sharp decode', async () => {
      const frames = await extractVideoFrames(video, join(out, 'frames'), { fps: FPS, ffmpeg });
      const chunks = await baselineGroundVideo(frames, utterances, { videoId: 'bench', outDir: out });
      return chunks.reduce((n, c) => n + c.frameEnd - c.frameStart, 0);
    });
  }
  return measure('decode only: ffmpeg rgb24 pipe into recycled buffers, frames dropped', async () => {
    let n = 0;
    for await (const frame of decodeVideo(video, { fps: FPS, ffmpeg }).frames({ recycle: true })) n += frame.data.length > 0 ? 1 : 0;
    return n;
  });
}

if (process.env.VLM_BENCH_ONE) {
  const [which, video, out] = JSON.parse(process.env.VLM_BENCH_ONE) as [string, string, string];
  const run = await runOne(which, video, out);
  process.stdout.write(`${JSON.stringify(run)}\n`);
  process.exit(0);
}

const dir = await mkdtemp(join(tmpdir(), 'vlm-quilt-bench-'));
const video = join(dir, 'lecture.mp4');
await encodeLecture(video);
console.log(
  `Quilt grounding stage on a ${W}x${H} H.264 lecture, ${SECONDS} s at ${FPS} fps (${SECONDS * FPS} frames, every one extracted), ${ROUNDS} rounds, each measurement in its own Node process; load average at start ${loadavg().map((v) => v.toFixed(2)).join(' ')}`,
);

const runs: Run[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const order = (round % 2 === 0 ? ['ours', 'baseline', 'decode-only'] : ['decode-only', 'baseline', 'ours']).filter((v) => VARIANTS.includes(v));
  for (const which of order) {
    const out = join(dir, `${which}-${round}`);
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
      env: { ...process.env, VLM_BENCH_ONE: JSON.stringify([which, video, out]) },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 20,
    });
    if (child.status !== 0) throw new Error(`${which} failed (exit ${child.status ?? child.signal})`);
    runs.push(JSON.parse(child.stdout.trim().split('\n').pop()!) as Run);
    await rm(out, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;
console.log('| pipeline | frames | wall s (median) | frames/s (wall) | Node CPU s | ffmpeg CPU s | Node CPU ms/frame | ffmpeg CPU ms/frame | frames per CPU s (Node + ffmpeg) |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const name of [...new Set(runs.map((r) => r.name))]) {
  const mine = runs.filter((r) => r.name === name);
  const wall = median(mine.map((r) => r.wall));
  const self = median(mine.map((r) => r.self));
  const children = median(mine.map((r) => r.children));
  const frames = mine[0]!.frames;
  console.log(
    `| ${name} | ${frames} | ${wall.toFixed(2)} | ${(frames / wall).toFixed(1)} | ${self.toFixed(2)} | ${children.toFixed(2)} | ${((self * 1000) / frames).toFixed(1)} | ${((children * 1000) / frames).toFixed(1)} | ${(frames / (self + children)).toFixed(1)} |`,
  );
  console.log(`  ${name}: wall s of every round ${mine.map((r) => r.wall.toFixed(2)).join(', ')}`);
}
console.log(`load average at end ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
await rm(dir, { recursive: true, force: true });
