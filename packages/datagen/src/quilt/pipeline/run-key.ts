import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';

/**
 * Version of the grounding code's output and of `grounded.json`, part of every run key: bump it whenever
 * a change makes the saved chunks differ (or read differently), so an upgraded pipeline never resumes
 * state written by an older one. 3: sentences split by word times, frames keyed by content.
 */
export const QUILT_STATE_VERSION = 3;

/** sha256 of a file's bytes, streamed. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Identity of a frame list by content: each file's name, time and the sha256 of its bytes (streamed, a
 * few files at a time). A frame rewritten in place — even to the same size and modification time —
 * changes the key; the same frames copied elsewhere keep it.
 */
export async function describeFrameFiles(frames: readonly { file: string; t: number }[], options: { concurrency?: number } = {}): Promise<string> {
  const digests = new Array<string>(frames.length);
  let next = 0;
  const worker = async () => {
    while (next < frames.length) {
      const i = next++;
      digests[i] = await hashFile(frames[i]!.file);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, frames.length)) }, worker));
  const hash = createHash('sha256');
  frames.forEach((f, i) => hash.update(`${basename(f.file)}\t${f.t}\t${digests[i]}\n`));
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
