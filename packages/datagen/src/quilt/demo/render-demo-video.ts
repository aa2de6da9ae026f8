import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { createRng } from '@vlm/core';

import { encodeRgbFrame } from '../frames/rgb-frame';
import type { Box } from '../grounding/trace-point';
import type { Utterance } from '../transcript/utterance';
import { drawArrowCursor } from './arrow-cursor';
import { DEMO_SCENES, type DemoScene } from './demo-script';
import { paintSlide } from './synthetic-slide';

/** Options of the synthetic narrated video. */
export interface DemoVideoOptions {
  width?: number;
  height?: number;
  fps?: number;
  seed?: number | string;
  /** Write JPEG frames at this quality (compression noise) instead of PNG. */
  jpegQuality?: number;
  scenes?: DemoScene[];
}

/** What was rendered: frame files with times, the known cursor tip per frame, and the transcript. */
export interface DemoVideo {
  dir: string;
  width: number;
  height: number;
  frames: { file: string; t: number; cursor: { x: number; y: number } }[];
  /** Time ranges of the scenes (seconds, end exclusive). */
  scenes: { start: number; end: number }[];
  utterances: Utterance[];
  /** Per utterance, in order: the bounding box (normalised) of the region the narrator talks about and circles. */
  narratedRegions: Box[];
  /** Frames per second of the rendering; frame i is at i / fps. */
  fps: number;
  /** The transcript written as Whisper-style JSON and as SRT. */
  transcriptJson: string;
  transcriptSrt: string;
}

function srtTime(t: number): string {
  const ms = Math.round(t * 1000);
  const pad = (v: number, n = 2) => String(v).padStart(n, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)},${pad(ms % 1000, 3)}`;
}

/** Cursor tip at time `t` (seconds from the scene start): transit in straight lines, then circle each region. */
export function demoCursorAt(scene: DemoScene, t: number, start: { x: number; y: number }): { x: number; y: number } {
  let from = start;
  let clock = 0;
  for (const region of scene.regions) {
    const entry = { x: region.cx + region.rx, y: region.cy };
    if (t < clock + scene.transit) {
      const f = (t - clock) / scene.transit;
      const eased = f * f * (3 - 2 * f);
      return { x: from.x + (entry.x - from.x) * eased, y: from.y + (entry.y - from.y) * eased };
    }
    clock += scene.transit;
    if (t < clock + scene.dwell) {
      // Narrators circle what they talk about: one and a half loops of the region's ellipse.
      const angle = ((t - clock) / scene.dwell) * Math.PI * 3;
      return { x: region.cx + region.rx * Math.cos(angle), y: region.cy + region.ry * Math.sin(angle) };
    }
    clock += scene.dwell;
    from = { x: region.cx + region.rx * Math.cos(Math.PI * 3), y: region.cy };
  }
  return from;
}

/** Length of a scene in seconds: transit and dwell per region, plus one second of rest. */
export function demoSceneDuration(scene: DemoScene): number {
  return scene.regions.length * (scene.transit + scene.dwell) + 1;
}

/**
 * Renders the demo narrated video as frame images in `dir` (with `timestamps.json`), plus a matching
 * word-timed transcript (`transcript.json`, `transcript.srt`). The cursor moves along a known path,
 * pausing to circle each region while the narration talks about it.
 */
export async function renderDemoVideo(dir: string, options: DemoVideoOptions = {}): Promise<DemoVideo> {
  const width = options.width ?? 640;
  const height = options.height ?? 360;
  const fps = options.fps ?? 8;
  const rng = createRng(options.seed ?? 'quilt-demo');
  const scenes = options.scenes ?? DEMO_SCENES;
  await mkdir(dir, { recursive: true });
  const frames: DemoVideo['frames'] = [];
  const sceneRanges: DemoVideo['scenes'] = [];
  const utterances: Utterance[] = [];
  const narratedRegions: Box[] = [];
  let sceneStart = 0;
  let frameIndex = 0;
  for (const [s, scene] of scenes.entries()) {
    const sx = width / 640;
    const sy = height / 360;
    const scaled = { ...scene, regions: scene.regions.map((r) => ({ ...r, cx: r.cx * sx, cy: r.cy * sy, rx: r.rx * sx, ry: r.ry * sy })) };
    const slide = paintSlide(width, height, scaled.regions, rng.fork(`slide-${s}`), scene.palette);
    const duration = demoSceneDuration(scene);
    // The narrator starts on the first region's rim, as after a cut.
    const firstRegion = scaled.regions[0]!;
    const start = { x: firstRegion.cx + firstRegion.rx, y: firstRegion.cy };
    const frameCount = Math.round(duration * fps);
    for (let f = 0; f < frameCount; f++) {
      const local = f / fps;
      const cursor = demoCursorAt(scaled, local, start);
      const image = Uint8Array.from(slide);
      drawArrowCursor(image, width, height, cursor.x, cursor.y, Math.max(1, Math.round(width / 640)));
      const ext = options.jpegQuality === undefined ? 'png' : 'jpg';
      const file = `frame_${String(frameIndex).padStart(6, '0')}.${ext}`;
      await writeFile(join(dir, file), await encodeRgbFrame({ width, height, data: image }, { jpegQuality: options.jpegQuality }));
      frames.push({ file, t: sceneStart + local, cursor: { x: Math.round(cursor.x), y: Math.round(cursor.y) } });
      frameIndex++;
    }
    // Each line is spoken while its region is circled, words evenly spread over the dwell.
    for (const line of scene.lines) {
      const begin = sceneStart + line.region * (scene.transit + scene.dwell) + scene.transit + 0.2;
      const end = begin + scene.dwell - 0.4;
      const words = line.text.split(' ');
      const step = (end - begin) / words.length;
      const region = scaled.regions[line.region]!;
      narratedRegions.push([(region.cx - region.rx) / width, (region.cy - region.ry) / height, (region.cx + region.rx) / width, (region.cy + region.ry) / height]);
      utterances.push({
        start: round3(begin),
        end: round3(end),
        text: line.text,
        words: words.map((word, i) => ({ word, start: round3(begin + i * step), end: round3(begin + (i + 1) * step) })),
      });
    }
    sceneRanges.push({ start: sceneStart, end: sceneStart + frameCount / fps });
    sceneStart += frameCount / fps;
  }
  await writeFile(join(dir, 'timestamps.json'), JSON.stringify(frames.map((f) => ({ file: f.file, t: f.t }))));
  const transcriptJson = join(dir, 'transcript.json');
  await writeFile(transcriptJson, JSON.stringify({ segments: utterances.map((u) => ({ start: u.start, end: u.end, text: ` ${u.text}`, words: u.words })) }, null, 1));
  const transcriptSrt = join(dir, 'transcript.srt');
  await writeFile(transcriptSrt, utterances.map((u, i) => `${i + 1}\n${srtTime(u.start)} --> ${srtTime(u.end)}\n${u.text}\n`).join('\n'));
  return {
    dir,
    width,
    height,
    frames: frames.map((f) => ({ ...f, file: join(dir, f.file) })),
    scenes: sceneRanges,
    utterances,
    narratedRegions,
    fps,
    transcriptJson,
    transcriptSrt,
  };
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
