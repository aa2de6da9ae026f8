// Test helpers: real videos made with ffmpeg, so decoding, timing and damage are tested on encoded files.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

import type { RgbFrame } from '../rgb-frame';

const run = promisify(execFile);

/** Bits of the frame index drawn as bars: bar b (10 px wide, top 20 rows) is white when bit b is set. */
export const INDEX_BITS = 10;

/**
 * An H.264 mp4 whose frame n shows n as a bar pattern in its top rows (lavfi `geq` with the frame
 * number N), at `fps` for `seconds`. x264's default B-frames make decode order differ from display order.
 */
export async function frameIndexVideo(ffmpeg: string, file: string, options: { fps: number; seconds: number }): Promise<void> {
  const width = INDEX_BITS * 10;
  const bars = `if(lt(Y,20),255*mod(floor(N/pow(2,floor(X/10))),2),128)`;
  await run(ffmpeg, [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `color=c=gray:s=${width}x40:r=${options.fps}:d=${options.seconds},geq=lum='${bars}':cb=128:cr=128`,
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', file,
  ]);
}

/** Reads the bar pattern of {@link frameIndexVideo} back from a decoded frame's pixels. */
export function readFrameIndex(frame: RgbFrame): number {
  let n = 0;
  for (let b = 0; b < INDEX_BITS; b++) {
    // The centre of bar b, in the middle of the bar rows; green is the closest channel to luma.
    const i = (10 * frame.width + b * 10 + 5) * 3;
    if (frame.data[i + 1]! > 128) n |= 1 << b;
  }
  return n;
}

/** Encodes RGB frames (all of one size) to an H.264 mp4 at a constant rate through ffmpeg's stdin. */
export async function encodeRgbVideo(ffmpeg: string, file: string, frames: Iterable<Uint8Array>, options: { width: number; height: number; fps: number; faststart?: boolean }): Promise<void> {
  const child = spawn(ffmpeg, [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${options.width}x${options.height}`, '-r', String(options.fps), '-i', 'pipe:0',
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p',
    ...(options.faststart ? ['-movflags', '+faststart'] : []),
    file,
  ], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}: ${stderr}`))));
  });
  for (const frame of frames) {
    if (!child.stdin.write(frame)) await new Promise((resolve) => child.stdin.once('drain', resolve));
  }
  child.stdin.end();
  await done;
}

/** A small H.264 mp4 of a pink slide with a dark square "cursor" moving across it (lavfi `overlay`). */
export async function movingCursorVideo(ffmpeg: string, file: string, options: { seconds: number; fps?: number; faststart?: boolean }): Promise<void> {
  const fps = options.fps ?? 10;
  await run(ffmpeg, [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `color=c=0xECB2CC:s=160x96:r=${fps}:d=${options.seconds}`,
    '-f', 'lavfi', '-i', `color=c=black:s=8x8:r=${fps}:d=${options.seconds}`,
    '-filter_complex', "[0][1]overlay=x='20+25*t':y='30+20*sin(2*t)'",
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', ...(options.faststart ? ['-movflags', '+faststart'] : []), file,
  ]);
}
