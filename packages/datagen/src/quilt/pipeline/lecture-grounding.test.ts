// A generated narrated lecture: one static slide, the cursor circling three known regions while the
// transcript names them, encoded as H.264 and run through the whole grounding stage.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createRng } from '@vlm/core';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';

import { BOX_COLOURS } from '../cursor/trace-picture';
import { drawArrowCursor } from '../demo/arrow-cursor';
import { paintSlide, type SlideRegion } from '../demo/synthetic-slide';
import { encodeRgbVideo } from '../frames/__fixtures__/generate-video';
import { decodeVideo } from '../frames/decode-video';
import { findFfmpeg } from '../frames/ffmpeg';
import type { Box } from '../grounding/trace-point';
import { readTranscript } from '../transcript/read-transcript';
import { runQuiltPipeline } from './run-quilt-pipeline';

const W = 320;
const H = 180;
const FPS = 10;
const SENTENCE = 3;
const TRANSIT = 0.5;
const REGIONS: SlideRegion[] = [
  { name: 'lower right infiltrate', cx: 250, cy: 130, rx: 36, ry: 24 },
  { name: 'upper left glands', cx: 70, cy: 45, rx: 34, ry: 22 },
  { name: 'central necrosis', cx: 165, cy: 95, rx: 32, ry: 22 },
];
const LINES = [
  'Down here at the lower right the tumour infiltrates the stroma as small irregular nests.',
  'Up in the left corner the glands are crowded with enlarged hyperchromatic nuclei.',
  'And in the centre there is a focus of necrosis surrounded by viable tumour.',
];

// Sentence i is spoken over [i * (SENTENCE + TRANSIT) + TRANSIT, ... + SENTENCE] while the cursor circles region i.
function cursorAt(t: number): { x: number; y: number } {
  const slot = SENTENCE + TRANSIT;
  const i = Math.min(REGIONS.length - 1, Math.floor(t / slot));
  const local = t - i * slot;
  const region = REGIONS[i]!;
  const rim = (r: SlideRegion, angle: number) => ({ x: r.cx + r.rx * Math.cos(angle), y: r.cy + r.ry * Math.sin(angle) });
  if (local < TRANSIT) {
    const from = i === 0 ? { x: 300, y: 170 } : rim(REGIONS[i - 1]!, Math.PI * 3);
    const to = rim(region, 0);
    const f = local / TRANSIT;
    return { x: from.x + (to.x - from.x) * f, y: from.y + (to.y - from.y) * f };
  }
  return rim(region, ((local - TRANSIT) / SENTENCE) * Math.PI * 3);
}

function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

const regionBox = (r: SlideRegion): Box => [(r.cx - r.rx) / W, (r.cy - r.ry) / H, (r.cx + r.rx) / W, (r.cy + r.ry) / H];

describe('sentence-level grounding on a generated lecture', () => {
  let ffmpeg: string;
  let dir: string;
  let video: string;
  let transcript: string;

  beforeAll(async () => {
    const found = findFfmpeg();
    expect(found, 'ffmpeg not found (VLM_FFMPEG, PATH or @ffmpeg-installer/ffmpeg)').toBeDefined();
    ffmpeg = found!.path;
    dir = await mkdtemp(join(tmpdir(), 'vlm-lecture-'));
    const slide = paintSlide(W, H, REGIONS, createRng('lecture'), { stroma: [236, 178, 204], nucleus: [84, 38, 128] });
    const seconds = REGIONS.length * (SENTENCE + TRANSIT) + 0.5;
    const frames = Array.from({ length: Math.round(seconds * FPS) }, (_, f) => {
      const image = Uint8Array.from(slide);
      const p = cursorAt(f / FPS);
      drawArrowCursor(image, W, H, p.x, p.y);
      return image;
    });
    video = join(dir, 'lecture.mp4');
    await encodeRgbVideo(ffmpeg, video, frames, { width: W, height: H, fps: FPS });
    // Word-timed transcript, as Whisper writes it: each sentence over its circling window.
    const segments = LINES.map((text, i) => {
      const start = i * (SENTENCE + TRANSIT) + TRANSIT;
      const words = text.split(' ');
      const step = SENTENCE / words.length;
      return { start, end: start + SENTENCE, text: ` ${text}`, words: words.map((word, w) => ({ word, start: start + w * step, end: start + (w + 1) * step })) };
    });
    transcript = join(dir, 'lecture.json');
    await writeFile(transcript, JSON.stringify({ segments }));
  });

  it('puts each sentence on the region the cursor circled while it was spoken (IoU >= 0.5), and keeps the upstream grounding beside it', async () => {
    const utterances = await readTranscript(transcript);
    const out = join(dir, 'run');
    const result = await runQuiltPipeline(decodeVideo(video, { fps: 5, ffmpeg }), utterances, {
      videoId: 'lecture',
      outDir: out,
      inputKey: 'lecture.mp4',
      teacher: async () => 'unused',
      kinds: [],
    });
    expect(result.chunks).toHaveLength(1);
    const chunk = result.chunks[0]!;
    expect(chunk.grounding).toBe('utterance');
    expect(chunk.segments.map((s) => s.sentence)).toEqual([1, 2, 3]);
    const overlaps = chunk.segments.map((s, i) => iou(s.box, regionBox(REGIONS[i]!)));
    for (const value of overlaps) expect(value).toBeGreaterThanOrEqual(0.5);
    expect(chunk.groundedCaption).toMatch(/^Down here at the lower right .* \[0\.\d+, 0\.\d+, 0\.\d+, 0\.\d+\], Up in the left corner .*\], And in the centre .*\]$/);

    // The upstream rule is written too: 40 words give k = 2 clusters for three regions, so some sentence's box misses.
    const upstream = chunk.groundings.quilt;
    expect(upstream.grounded).toBe(true);
    const upstreamBest = LINES.map((line, i) => {
      const segment = upstream.segments.find((s) => s.text.includes(line))!;
      return iou(segment.box, regionBox(REGIONS[i]!));
    });
    expect(Math.min(...upstreamBest)).toBeLessThan(0.5);
    const saved = JSON.parse(await readFile(result.files.grounded, 'utf8')) as { chunks: typeof result.chunks };
    expect(saved.chunks[0]!.groundings.utterance.sentences!.map((s) => s.sentence)).toEqual([1, 2, 3]);
    expect(saved.chunks[0]!.groundings.quilt.groundedCaption).toBe(upstream.groundedCaption);

    // The trace picture labels each box with its sentence number in the box's colour, with a legend row per sentence below.
    const { data, info } = await sharp(join(out, chunk.tracePicture)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(info.width).toBe(W);
    expect(info.height).toBeGreaterThan(H + 3 * 12);
    const at = (x: number, y: number) => Array.from(data.subarray((y * W + x) * 3, (y * W + x) * 3 + 3));
    chunk.segments.forEach((segment, i) => {
      const tagX = Math.max(0, Math.round(segment.box[0] * W));
      const tagY = Math.max(0, Math.round(segment.box[1] * H) - 14);
      expect(at(tagX, tagY)).toEqual([...BOX_COLOURS[i]!]);
      // The legend's swatch of sentence i, left of its text.
      expect(at(2, H + 2 + i * 18 + 1)).toEqual([...BOX_COLOURS[i]!]);
    });
  });

  it('splits an ASR segment holding all three sentences by its word times, and grounds each sentence on its region', async () => {
    const [first, second, third] = await readTranscript(transcript);
    const words = [first!, second!, third!].flatMap((u) => u.words!);
    const oneSegment = [{ start: first!.start, end: third!.end, text: LINES.join(' '), words }];
    const run = (name: string, splitSentences?: boolean) =>
      runQuiltPipeline(decodeVideo(video, { fps: 5, ffmpeg }), oneSegment, { videoId: 'lecture', outDir: join(dir, name), inputKey: 'lecture.mp4', teacher: async () => 'unused', kinds: [], splitSentences });
    const split = (await run('one-segment')).chunks[0]!;
    expect(split.utterances.map((u) => u.text)).toEqual(LINES);
    expect(split.segments.map((s) => s.sentence)).toEqual([1, 2, 3]);
    split.segments.forEach((s, i) => expect(iou(s.box, regionBox(REGIONS[i]!))).toBeGreaterThanOrEqual(0.5));
    // Unsplit, the one segment's window spans all three regions and its single box fits none of them.
    const whole = (await run('one-segment-unsplit', false)).chunks[0]!;
    expect(whole.segments).toHaveLength(1);
    expect(Math.max(...REGIONS.map((r) => iou(whole.segments[0]!.box, regionBox(r))))).toBeLessThan(0.5);
  });

  it('widens each sentence window by the lead and lag margins', async () => {
    const utterances = await readTranscript(transcript);
    const result = await runQuiltPipeline(decodeVideo(video, { fps: 5, ffmpeg }), utterances, {
      videoId: 'lecture',
      outDir: join(dir, 'margins'),
      inputKey: 'lecture.mp4',
      teacher: async () => 'unused',
      kinds: [],
      utteranceGrounding: { lead: 0.4, lag: 0.2 },
    });
    const sentences = result.chunks[0]!.groundings.utterance.sentences!;
    expect(sentences[1]!.start).toBeCloseTo(SENTENCE + 2 * TRANSIT - 0.4, 6);
    expect(sentences[1]!.end).toBeCloseTo(2 * (SENTENCE + TRANSIT) + 0.2, 6);
  });
});
