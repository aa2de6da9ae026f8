import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';

import { VlmError } from '@vlm/core';

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
