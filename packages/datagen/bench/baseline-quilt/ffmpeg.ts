// Frozen copy of src/quilt/*/ffmpeg.ts as of main 7cce86c (before issue 15): the benchmark's baseline, "today's pipeline".
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

import { VlmError } from '@vlm/core';

const run = promisify(execFile);

/** Where an ffmpeg binary was found. */
export interface FfmpegLocation {
  path: string;
  from: 'env' | 'path' | 'npm';
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds ffmpeg: `$VLM_FFMPEG`, then `ffmpeg` on PATH, then the binary shipped inside the optional
 * npm dependency `@ffmpeg-installer/ffmpeg`. Returns undefined when none is usable.
 */
export function findFfmpeg(env: NodeJS.ProcessEnv = process.env): FfmpegLocation | undefined {
  const fromEnv = env.VLM_FFMPEG;
  if (fromEnv && executable(fromEnv)) return { path: fromEnv, from: 'env' };
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, 'ffmpeg'))) return { path: join(dir, 'ffmpeg'), from: 'path' };
  }
  try {
    // Resolve from this module in both builds (import.meta is empty in the CommonJS one).
    const require = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
    const installer = require('@ffmpeg-installer/ffmpeg') as { path?: string };
    if (installer.path && executable(installer.path)) return { path: installer.path, from: 'npm' };
  } catch {
    // the optional dependency is not installed for this platform
  }
  return undefined;
}

/** Like {@link findFfmpeg} but throws a VlmError that says how to get ffmpeg. */
export function requireFfmpeg(env: NodeJS.ProcessEnv = process.env): FfmpegLocation {
  const found = findFfmpeg(env);
  if (!found) {
    throw new VlmError('ffmpeg_missing', 'ffmpeg was not found: not in $VLM_FFMPEG, not on PATH, and @ffmpeg-installer/ffmpeg is not installed for this platform', {
      hint: 'install ffmpeg (apt-get install ffmpeg), set VLM_FFMPEG=/path/to/ffmpeg, or pass a folder of frames with timestamps instead of a video',
    });
  }
  return found;
}

/**
 * Extracts frames at `fps` from a video into `outDir` as PNG and returns their files with times
 * (frame i is at i / fps seconds, the time of ffmpeg's fps filter output).
 */
export async function extractVideoFrames(video: string, outDir: string, options: { fps: number; ffmpeg?: string; maxWidth?: number }): Promise<{ file: string; t: number }[]> {
  const ffmpeg = options.ffmpeg ?? requireFfmpeg().path;
  await mkdir(outDir, { recursive: true });
  const filters = [`fps=${options.fps}`];
  if (options.maxWidth) filters.push(`scale='min(${options.maxWidth},iw)':-2`);
  try {
    await run(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', '-i', video, '-vf', filters.join(','), join(outDir, 'frame_%06d.png')], {
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new VlmError('ffmpeg_failed', `ffmpeg could not extract frames: ${stderr || (error as Error).message}`, {
      location: { file: video },
      cause: error,
    });
  }
  const { readdir } = await import('node:fs/promises');
  const files = (await readdir(outDir)).filter((f) => /^frame_\d{6}\.png$/.test(f)).sort();
  return files.map((f, i) => ({ file: join(outDir, f), t: i / options.fps }));
}
