import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';

import { VlmError } from '@vlm/core';

import { requireFfmpeg } from './ffmpeg';

/** What ffmpeg says about a video before any frame is decoded. */
export interface VideoProbe {
  /** Seconds, from the container (`Duration:`). */
  duration: number;
  width: number;
  height: number;
  /** Frames per second of the first video stream (`fps`, else `tbr`); undefined when ffmpeg does not say. */
  fps?: number;
  /** ffmpeg's whole banner-free report, for error messages. */
  stderr: string;
}

function runFfmpeg(ffmpeg: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(ffmpeg, args, { maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) => {
      const code = error ? ((error as { code?: unknown }).code as number | null | string) : 0;
      if (typeof code === 'string') reject(error);
      else resolve({ code, stderr: String(stderr) });
    });
  });
}

/** The last few non-empty lines of ffmpeg's stderr, for an error message. */
export function stderrTail(stderr: string, lines = 4): string {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-lines)
    .join(' | ');
}

/**
 * Reads a video's duration, frame size and frame rate with `ffmpeg -i` (no output file, so ffmpeg
 * exits 1 after printing the input's description). A missing, unreadable or stream-less file is a
 * VlmError that names the file, before any frame is extracted.
 */
export async function probeVideo(video: string, options: { ffmpeg?: string } = {}): Promise<VideoProbe> {
  try {
    const info = await stat(video);
    if (!info.isFile()) throw new Error('not a file');
  } catch (error) {
    throw new VlmError('video_unreadable', `cannot read video: ${(error as Error).message}`, { location: { file: video }, hint: 'pass an existing video file with --video' });
  }
  const ffmpeg = options.ffmpeg ?? requireFfmpeg().path;
  const { stderr } = await runFfmpeg(ffmpeg, ['-hide_banner', '-nostdin', '-i', video]);
  const stream = /Stream #\d+:\d+[^:]*: Video: ([^\n]*)/.exec(stderr);
  if (!stream) {
    const invalid = /Invalid data|moov atom not found|could not find codec|does not contain any stream/i.test(stderr);
    throw new VlmError(invalid ? 'video_unreadable' : 'video_no_stream', invalid ? `ffmpeg cannot read the video: ${stderrTail(stderr)}` : `the file has no video stream: ${stderrTail(stderr)}`, {
      location: { file: video },
      hint: 'check that the file is a complete video (an interrupted download has no index); ffmpeg -i <file> shows what it contains',
    });
  }
  const size = /, (\d{2,5})x(\d{2,5})/.exec(stream[1]!);
  const rate = /([\d.]+) fps/.exec(stream[1]!) ?? /([\d.]+)k? tbr/.exec(stream[1]!);
  const duration = /Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/.exec(stderr);
  if (!size || !duration) {
    throw new VlmError('video_no_duration', `ffmpeg reports no ${size ? 'duration' : 'frame size'} for the video`, {
      location: { file: video },
      hint: 'remux it into a container with an index first: ffmpeg -i <file> -c copy fixed.mp4',
    });
  }
  return {
    duration: Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]),
    width: Number(size[1]),
    height: Number(size[2]),
    fps: rate ? Number(rate[1]) : undefined,
    stderr,
  };
}

const syncOptionCache = new Map<string, Promise<string[]>>();

/**
 * The option that makes ffmpeg pass frames through with their own timestamps, neither duplicated nor
 * dropped: `-fps_mode passthrough` since FFmpeg 5.1, `-vsync passthrough` before (deprecated since).
 * Asked once per binary by trying the new one on a one-frame null source.
 */
export function passthroughSyncOption(ffmpeg: string): Promise<string[]> {
  let cached = syncOptionCache.get(ffmpeg);
  if (!cached) {
    cached = runFfmpeg(ffmpeg, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', 'nullsrc=s=16x16:d=0.04', '-fps_mode', 'passthrough', '-f', 'null', '-']).then(
      ({ code }) => (code === 0 ? ['-fps_mode', 'passthrough'] : ['-vsync', 'passthrough']),
    );
    syncOptionCache.set(ffmpeg, cached);
  }
  return cached;
}
