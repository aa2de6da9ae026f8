import { mkdtemp, stat, utimes, writeFile, copyFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { describeFrameFiles, hashFile } from './run-key';

describe('describeFrameFiles', () => {
  it('keys frame files by their content: a frame rewritten to the same size and mtime changes the key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vlm-frame-key-'));
    const files = [0, 1, 2].map((i) => join(dir, `frame_${i}.png`));
    await Promise.all(files.map((file, i) => writeFile(file, Buffer.alloc(4096, i))));
    // A whole second, so the time survives the file system's precision unchanged.
    const when = new Date(1_700_000_000_000);
    await Promise.all(files.map((file) => utimes(file, when, when)));
    const frames = files.map((file, i) => ({ file, t: i * 0.5 }));
    const before = await describeFrameFiles(frames);
    expect(await describeFrameFiles(frames)).toBe(before);

    // Same size, same modification time, other bytes: what a size/mtime key cannot see.
    const { size, mtimeMs } = await stat(files[1]!);
    await writeFile(files[1]!, Buffer.alloc(4096, 9));
    await utimes(files[1]!, when, when);
    expect(await stat(files[1]!)).toMatchObject({ size, mtimeMs });
    const after = await describeFrameFiles(frames);
    expect(after).not.toBe(before);

    // The times are part of the key; copies of the same frames elsewhere are the same input.
    expect(await describeFrameFiles(frames.map((f) => ({ ...f, t: f.t + 1 })))).not.toBe(after);
    await mkdir(join(dir, 'copy'));
    const copies = await Promise.all(frames.map(async (f) => {
      const file = join(dir, 'copy', f.file.split('/').pop()!);
      await copyFile(f.file, file);
      return { file, t: f.t };
    }));
    expect(await describeFrameFiles(copies, { concurrency: 1 })).toBe(after);
    expect(await hashFile(files[1]!)).toBe(await hashFile(copies[1]!.file));
  });
});
