import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

/** sha256 of a file's bytes, streamed. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Identity of a frame list without reading every image: each file's name, time, size and modification
 * time. A frame rewritten in place changes its size or mtime, and so the key.
 */
export async function describeFrameFiles(frames: readonly { file: string; t: number }[]): Promise<string> {
  const hash = createHash('sha256');
  for (const f of frames) {
    const info = await stat(f.file);
    hash.update(`${f.file}\t${f.t}\t${info.size}\t${info.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/** sha256 over the canonical JSON of `value` (object keys sorted), so equal inputs give equal keys. */
export function hashJson(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as Record<string, unknown>)
          .sort()
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return createHash('sha256').update(JSON.stringify(canonical(value))).digest('hex');
}
