import { spawn } from 'node:child_process';

import { VlmError } from '@vlm/core';

import { requireFfmpeg } from './ffmpeg';
import { passthroughSyncOption, stderrTail } from './probe-video';
import type { RgbFrame } from './rgb-frame';

/** Options of {@link decodeVideo}. */
export interface DecodeVideoOptions {
  /** Frames per second to keep: the first source frame at or after each multiple of 1/fps. */
  fps: number;
  ffmpeg?: string;
  /** Downscale wider videos to this width (height keeps the aspect ratio). */
  maxWidth?: number;
  /** The video's duration and frame rate (from {@link probeVideo}), to tell a short decode from a short video. */
  duration?: number;
  sourceFps?: number;
}

/** How a decode went: what ffmpeg said, and whether the frame count is what the duration promises. */
export interface DecodeReport {
  frames: number;
  /** Frames the duration promises at min(fps, source fps); undefined without a duration. */
  expectedFrames?: number;
  /** ffmpeg's `[error]`/`[fatal]` lines (decode errors, truncated input), in order, duplicates kept once. */
  errors: string[];
  /** Human-readable problems for the run summary; empty when the decode was clean. */
  warnings: string[];
  /** ffmpeg's stderr without the per-frame `showinfo` lines. */
  stderr: string;
}

/** A decode in progress: iterate `frames()` once, then `report()` says how it went. */
export interface VideoDecode {
  /**
   * The decoded frames. With `recycle`, a frame's buffer is reused for a later frame as soon as the next
   * one is asked for (a handful of buffers in all, no allocation per frame): for consumers that copy what
   * they keep, such as `groundVideo`.
   */
  frames(options?: { recycle?: boolean }): AsyncGenerator<RgbFrame>;
  /** Resolves after the frames were consumed and ffmpeg exited. */
  report(): Promise<DecodeReport>;
}

/**
 * The select expression that keeps, for each interval [k/fps, (k+1)/fps), the first source frame in it.
 * Unlike the `fps` filter (which retimes frames to k/fps), frames keep their own timestamps, and
 * `showinfo` tells each one's presentation time.
 */
export function selectExpression(fps: number): string {
  const n = String(fps);
  // 1 ms of slack: containers store times rounded (Matroska to 1 ms), so a frame meant for k/fps may sit a hair before it.
  return `isnan(prev_selected_t)+gte(floor((t+0.001)*${n}),floor((prev_selected_t+0.001)*${n})+1)`;
}

const SHOWINFO = /\bn:\s*(\d+)\s+pts:\s*(-?\d+)\s+pts_time:(-?[\d.e+-]+|nan)\b.*?\bs:(\d+)x(\d+)/;

/**
 * Decodes a video with ffmpeg into 8-bit RGB frames streamed over a pipe (`-f rawvideo -pix_fmt rgb24`):
 * no image files are written. Each frame's `t` is the presentation time of the source frame it is
 * (ffmpeg's `showinfo`), not its index divided by the rate. ffmpeg's stderr is kept; decode errors and a
 * frame count short of duration x fps become warnings in the report. ffmpeg starts on the first
 * iteration, so a run that resumes from saved grounding never decodes.
 */
export function decodeVideo(video: string, options: DecodeVideoOptions): VideoDecode {
  if (!(options.fps > 0)) throw new VlmError('bad_option', `fps must be positive, got ${options.fps}`, { location: { field: 'fps' } });
  let finished: Promise<DecodeReport> | undefined;
  let resolveReport!: (report: DecodeReport) => void;
  let rejectReport!: (error: unknown) => void;
  const reportPromise = new Promise<DecodeReport>((resolve, reject) => {
    resolveReport = resolve;
    rejectReport = reject;
  });
  // A report nobody asks for must not become an unhandled rejection.
  reportPromise.catch(() => undefined);

  async function* frames(frameOptions: { recycle?: boolean } = {}): AsyncGenerator<RgbFrame> {
    if (finished) throw new VlmError('decode_reused', 'a video decode can be iterated only once');
    finished = reportPromise;
    const ffmpeg = options.ffmpeg ?? requireFfmpeg().path;
    const filters = [`select='${selectExpression(options.fps)}'`];
    if (options.maxWidth) filters.push(`scale='min(${options.maxWidth},iw)':-2`);
    filters.push('showinfo');
    const args = [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'level+info',
      '-i',
      video,
      '-map',
      '0:v:0',
      '-vf',
      filters.join(','),
      ...(await passthroughSyncOption(ffmpeg)),
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ];
    const child = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const infos: { t: number; width: number; height: number }[] = [];
    const errors: string[] = [];
    const otherLines: string[] = [];
    let stderrRest = '';
    const onStderrLine = (line: string) => {
      const info = SHOWINFO.exec(line);
      if (info) {
        infos.push({ t: Number(info[3]), width: Number(info[4]), height: Number(info[5]) });
        wake();
        return;
      }
      if (line.includes('Parsed_showinfo')) return;
      otherLines.push(line);
      if (/\[(error|fatal|panic)\]/.test(line)) {
        const text = line.replace(/^\[[^\]]*@ 0x[0-9a-f]+\] /, '').replace(/^\[(error|fatal|panic)\] /, '');
        if (!errors.includes(text)) errors.push(text);
      }
    };
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      const lines = (stderrRest + text).split(/\r?\n|\r/);
      stderrRest = lines.pop() ?? '';
      lines.forEach(onStderrLine);
    });

    // Raw bytes arrive in pipe-sized pieces; they are copied into one buffer per frame, taken from the
    // buffers the consumer gave back when it recycles them.
    const spare: Uint8Array[] = [];
    const READY_MAX = 3;
    const ready: RgbFrame[] = [];
    const pending: Buffer[] = [];
    let current: { data: Uint8Array; filled: number; info: (typeof infos)[number] } | undefined;
    let produced = 0;
    let ended = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let spawnError: Error | undefined;
    let waiting: (() => void) | undefined;
    function wake() {
      drain();
      const w = waiting;
      waiting = undefined;
      w?.();
    }
    function drain() {
      while (pending.length > 0) {
        if (!current) {
          // At most READY_MAX decoded frames wait (bytes for later ones stay in `pending`), so a burst of
          // bytes or of showinfo lines never needs more than a handful of buffers.
          if (ready.length >= READY_MAX) return;
          const info = infos[produced + ready.length];
          // The size comes from showinfo; bytes that arrive before their frame's line wait for it.
          if (!info) return;
          const size = info.width * info.height * 3;
          let data = spare.pop();
          // Every byte is overwritten from the pipe, so the buffer needs no zero fill.
          if (data?.length !== size) data = Buffer.allocUnsafeSlow(size);
          current = { data, filled: 0, info };
        }
        const chunk = pending[0]!;
        const take = Math.min(chunk.length, current.data.length - current.filled);
        current.data.set(take === chunk.length ? chunk : chunk.subarray(0, take), current.filled);
        current.filled += take;
        if (take === chunk.length) pending.shift();
        else pending[0] = chunk.subarray(take);
        if (current.filled === current.data.length) {
          ready.push({ width: current.info.width, height: current.info.height, data: current.data, t: current.info.t, source: `${video}@${current.info.t}s` });
          current = undefined;
        }
      }
    }
    child.stdout.on('data', (chunk: Buffer) => {
      pending.push(chunk);
      drain();
      // Back-pressure: at most a few decoded frames wait in memory.
      if (ready.length >= READY_MAX) child.stdout.pause();
      const w = waiting;
      waiting = undefined;
      w?.();
    });
    child.stdout.on('end', () => {
      ended = true;
      wake();
    });
    child.on('error', (error) => {
      spawnError = error;
      ended = true;
      wake();
    });
    child.on('close', (code, signal) => {
      if (stderrRest) onStderrLine(stderrRest);
      stderrRest = '';
      exit = { code, signal };
      ended = true;
      wake();
    });

    let completed = false;
    try {
      while (true) {
        if (ready.length > 0) {
          const frame = ready.shift()!;
          produced++;
          if (ready.length < READY_MAX && child.stdout.isPaused()) child.stdout.resume();
          yield frame;
          // The consumer asked for the next frame: this one's buffer may be filled again.
          if (frameOptions.recycle) spare.push(frame.data);
          drain();
          continue;
        }
        if (ended && exit) break;
        if (spawnError) break;
        await new Promise<void>((resolve) => (waiting = resolve));
      }
      completed = true;
    } finally {
      if (!completed) {
        if (exit === undefined) child.kill('SIGTERM');
        rejectReport(new VlmError('decode_stopped', 'the frames were not read to the end'));
      }
    }
    if (spawnError) {
      const error = new VlmError('ffmpeg_failed', `cannot run ffmpeg: ${spawnError.message}`, { location: { file: ffmpeg }, cause: spawnError });
      rejectReport(error);
      throw error;
    }
    const stderr = otherLines.join('\n');
    if (exit!.code !== 0) {
      const error = new VlmError('ffmpeg_failed', `ffmpeg could not decode the video (exit ${exit!.code ?? exit!.signal}): ${stderrTail(errors.join('\n') || stderr)}`, {
        location: { file: video },
        hint: 'ffmpeg -i <video> -f null - shows the problem; re-encode or remux the file',
      });
      rejectReport(error);
      throw error;
    }
    if (current && current.filled > 0) errors.push(`ffmpeg stopped inside a frame (${current.filled} of ${current.data.length} bytes)`);
    const warnings: string[] = [];
    let expectedFrames: number | undefined;
    if (options.duration !== undefined) {
      const rate = Math.min(options.fps, options.sourceFps ?? options.fps);
      expectedFrames = Math.max(1, Math.floor(options.duration * rate + 1e-6));
      // A frame or two of slack: containers round durations, and the last interval may hold no frame.
      if (produced + 1 + Math.floor(expectedFrames * 0.02) < expectedFrames) {
        warnings.push(`decoded ${produced} frames, but ${options.duration.toFixed(2)} s at ${rate} fps should give ${expectedFrames}: the video is probably truncated or damaged`);
      }
    }
    if (errors.length > 0) warnings.push(`ffmpeg reported ${errors.length} decode error${errors.length === 1 ? '' : 's'}: ${errors.slice(0, 3).join('; ')}${errors.length > 3 ? '; ...' : ''}`);
    resolveReport({ frames: produced, expectedFrames, errors, warnings, stderr });
  }

  return {
    frames,
    report: () => {
      if (!finished) return Promise.reject(new VlmError('decode_not_started', 'the decode report is ready after the frames were read'));
      return reportPromise;
    },
  };
}
