import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { VlmError } from '@vlm/core';
import { z } from 'zod';

const timestampsSchema = z.array(z.object({ file: z.string(), t: z.number().nonnegative() }));
const IMAGE = /\.(png|jpe?g|webp|tiff?)$/i;

/**
 * Lists the frames of a folder with their times. A `timestamps.json` (`[{"file": "f1.png", "t": 0.5}]`)
 * gives the times; otherwise images are taken in name order at `fps` frames per second.
 */
export async function listFrameFolder(dir: string, options: { fps?: number } = {}): Promise<{ file: string; t: number }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new VlmError('frames_unreadable', `cannot read frame folder: ${(error as Error).message}`, { location: { file: dir }, cause: error });
  }
  if (names.includes('timestamps.json')) {
    const file = join(dir, 'timestamps.json');
    const parsed = timestampsSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new VlmError('frames_bad_timestamps', `bad timestamps.json: ${issue?.message}`, {
        location: { file, row: typeof issue?.path[0] === 'number' ? issue.path[0] : undefined, field: issue?.path.slice(1).join('.') },
        hint: 'expected [{"file": "frame_000001.png", "t": 0.0}, ...]',
      });
    }
    return parsed.data.map((entry) => ({ file: join(dir, entry.file), t: entry.t })).sort((a, b) => a.t - b.t);
  }
  if (options.fps === undefined) {
    throw new VlmError('frames_no_times', 'the frame folder has no timestamps.json and no frame rate was given', {
      location: { file: dir },
      hint: 'add timestamps.json or pass --fps',
    });
  }
  const fps = options.fps;
  const images = names.filter((n) => IMAGE.test(n)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (images.length === 0) throw new VlmError('frames_empty', 'the frame folder has no images', { location: { file: dir } });
  return images.map((name, i) => ({ file: join(dir, name), t: i / fps }));
}
