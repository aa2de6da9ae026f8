import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';

import { JsonlAppender } from '../jsonl/jsonl-appender';
import type { TeacherUsage } from './types';

/** One cached teacher answer, as stored (one JSON line) in `responses.jsonl`. */
export interface CachedResponse {
  key: string;
  model: string;
  content: string;
  finishReason: string | null;
  usage: TeacherUsage;
  /** `api` for a live call, `batch` when imported from a Batch API results file. */
  source: 'api' | 'batch';
  receivedAt: string;
}

/**
 * Content-addressed disk cache of teacher answers: one append-only JSONL file, indexed in memory by
 * key -> byte range, so millions of answers cost a map of offsets, not their text. Each answer is on
 * disk (fsync) before the caller sees it, so a killed run never pays for it again.
 */
export class ResponseCache {
  private readonly index = new Map<string, { offset: number; length: number }>();
  private readonly readFd: number;

  private constructor(
    private readonly appender: JsonlAppender,
    readonly file: string,
  ) {
    this.readFd = openSync(file, 'r');
  }

  /** Opens (or creates) the cache in a folder; the file is `<dir>/responses.jsonl`. */
  static open(dir: string, options: { durability?: 'fsync' | 'write' } = {}): ResponseCache {
    const file = join(dir, 'responses.jsonl');
    const found: Array<[string, { offset: number; length: number }]> = [];
    const appender = JsonlAppender.open(file, {
      durability: options.durability,
      onExisting: (line) => {
        const key = (line.value as { key?: unknown }).key;
        if (typeof key === 'string') found.push([key, { offset: line.offset, length: line.length }]);
      },
    });
    const cache = new ResponseCache(appender, file);
    for (const [key, at] of found) cache.index.set(key, at);
    return cache;
  }

  /** Number of cached answers. */
  get size(): number {
    return this.index.size;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  /** Keys of every cached answer. */
  keys(): IterableIterator<string> {
    return this.index.keys();
  }

  get(key: string): CachedResponse | undefined {
    const at = this.index.get(key);
    if (!at) return undefined;
    const buffer = Buffer.alloc(at.length);
    readSync(this.readFd, buffer, 0, at.length, at.offset);
    return JSON.parse(buffer.toString('utf8')) as CachedResponse;
  }

  /** Stores an answer; resolves once it is durable. A key already present is not written again. */
  async put(entry: CachedResponse): Promise<void> {
    if (this.index.has(entry.key)) return;
    const at = await this.appender.append(entry);
    this.index.set(entry.key, at);
  }

  async close(): Promise<void> {
    await this.appender.close();
    closeSync(this.readFd);
  }
}
