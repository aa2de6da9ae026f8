import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { decodeVideo } from './decode-video';
import { findFfmpeg } from './ffmpeg';
import { encodeRgbVideo, frameIndexVideo, readFrameIndex } from './__fixtures__/generate-video';
import { probeVideo } from './probe-video';
import type { RgbFrame } from './rgb-frame';

const SOURCE_FPS = 25;

async function decodeAll(video: string, fps: number, ffmpeg: string) {
  const probe = await probeVideo(video, { ffmpeg });
  const decode = decodeVideo(video, { fps, ffmpeg, duration: probe.duration, sourceFps: probe.fps });
  const frames: RgbFrame[] = [];
  for await (const frame of decode.frames()) frames.push(frame);
  return { frames, report: await decode.report(), probe };
}

describe('decodeVideo', () => {
  let ffmpeg: string;
  let dir: string;
  let indexVideo: string;

  beforeAll(async () => {
    const found = findFfmpeg();
    // The optional npm binary is installed with the package; its absence is an install problem worth failing on.
    expect(found, 'ffmpeg not found (VLM_FFMPEG, PATH or @ffmpeg-installer/ffmpeg)').toBeDefined();
    ffmpeg = found!.path;
    dir = await mkdtemp(join(tmpdir(), 'vlm-decode-'));
    indexVideo = join(dir, 'index.mp4');
    // 25 fps for 4 s: 2.5 source frames per 0.1 s, so at 10 fps the chosen frames are not evenly spaced.
    await frameIndexVideo(ffmpeg, indexVideo, { fps: SOURCE_FPS, seconds: 4 });
  });

  it('with recycle, hands out the same frames from a handful of reused buffers', async () => {
    const { frames } = await decodeAll(indexVideo, 10, ffmpeg);
    const buffers = new Set<ArrayBufferLike>();
    const seen: { t: number; index: number; bytes: Buffer }[] = [];
    for await (const frame of decodeVideo(indexVideo, { fps: 10, ffmpeg }).frames({ recycle: true })) {
      buffers.add(frame.data.buffer);
      // Read while the frame is current: its buffer is filled again once the next frame is asked for.
      seen.push({ t: frame.t, index: readFrameIndex(frame), bytes: Buffer.from(frame.data) });
    }
    expect(seen.map((s) => s.t)).toEqual(frames.map((f) => f.t));
    expect(seen.map((s) => s.index)).toEqual(frames.map(readFrameIndex));
    seen.forEach((s, i) => expect(Buffer.compare(s.bytes, Buffer.from(frames[i]!.data))).toBe(0));
    expect(frames.length).toBe(40);
    expect(buffers.size).toBeLessThanOrEqual(6);
  });

  it.each([1, 2, 10])('gives every frame at %d fps the presentation time of the source frame it is', async (fps) => {
    const { frames, report, probe } = await decodeAll(indexVideo, fps, ffmpeg);
    expect(probe).toMatchObject({ duration: 4, width: 100, height: 40, fps: 25 });
    const indices = frames.map(readFrameIndex);
    // Each frame's time is its own source frame's: index / 25 s.
    frames.forEach((frame, k) => expect(frame.t).toBeCloseTo(indices[k]! / SOURCE_FPS, 6));
    // And the frames are the first source frame at or after each k / fps.
    const expected = Array.from({ length: 4 * fps }, (_, k) => Math.max(0, Math.ceil((k * SOURCE_FPS) / fps - 1e-9)));
    expect(indices).toEqual(expected);
    expect(report).toMatchObject({ frames: 4 * fps, expectedFrames: 4 * fps, errors: [], warnings: [] });
    if (fps === 2) expect(frames.map((f) => f.t)).toEqual([0, 0.52, 1, 1.52, 2, 2.52, 3, 3.52]);
  });

  it('streams raw RGB over a pipe and writes no files', async () => {
    const before = await readdir(dir);
    const { frames } = await decodeAll(indexVideo, 10, ffmpeg);
    expect(frames[0]).toMatchObject({ width: 100, height: 40 });
    expect(frames[0]!.data).toHaveLength(100 * 40 * 3);
    expect(await readdir(dir)).toEqual(before);
  });

  it('reports a truncated mp4: ffmpeg exits 0, but its errors and the short frame count become warnings', async () => {
    const width = 64;
    const height = 48;
    const source = join(dir, 'whole.mp4');
    // Index at the front (faststart), so the half file still opens and ffmpeg decodes what is there.
    const pictures = Array.from({ length: 200 }, (_, i) => new Uint8Array(width * height * 3).map((_, p) => (p * 7 + i * 13) % 251));
    await encodeRgbVideo(ffmpeg, source, pictures, { width, height, fps: 25, faststart: true });
    const whole = await readFile(source);
    const truncated = join(dir, 'truncated.mp4');
    await writeFile(truncated, whole.subarray(0, whole.length >> 1));
    const { frames, report, probe } = await decodeAll(truncated, 10, ffmpeg);
    expect(probe.duration).toBe(8);
    expect(frames.length).toBeLessThan(60);
    expect(report.expectedFrames).toBe(80);
    expect(report.errors.length).toBeGreaterThan(0);
    expect(report.stderr).toMatch(/partial file|Invalid data|error/i);
    expect(report.warnings).toHaveLength(2);
    expect(report.warnings[0]).toMatch(new RegExp(`decoded ${frames.length} frames, but 8.00 s at 10 fps should give 80`));
    expect(report.warnings[1]).toMatch(/ffmpeg reported \d+ decode errors?/);
  });

  it('names the file when the video cannot be read', async () => {
    const junk = join(dir, 'junk.mp4');
    await writeFile(junk, 'not a video');
    await expect(probeVideo(junk, { ffmpeg })).rejects.toMatchObject({ code: 'video_unreadable', location: { file: junk } });
    await expect(probeVideo(join(dir, 'missing.mp4'), { ffmpeg })).rejects.toMatchObject({ code: 'video_unreadable' });
  });
});
