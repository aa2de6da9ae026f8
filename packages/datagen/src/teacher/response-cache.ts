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
 * A line that withdraws the answer cached under `key` before it: the answer was not usable (a refusal,
 * a reply in the wrong format), so it must not be served again; the next request asks the teacher.
 */
export interface CacheRejection {
  key: string;
  rejected: string;
  rejectedAt: string;
}

/** Whether a `responses.jsonl` line is a {@link CacheRejection} rather than an answer. */
export function isCacheRejection(line: unknown): line is CacheRejection {
  return typeof line === 'object' && line !== null && typeof (line as { rejected?: unknown }).rejected === 'string';
}

/**
 * Content-addressed disk cache of teacher answers: one append-only JSONL file, indexed in memory by
 * key -> byte range, so millions of answers cost a map of offsets, not their text. Each answer is on
 * disk (fsync) before the caller sees it, so a killed run never pays for it again. An answer its caller
 * could not use is withdrawn by appending a rejection line (see {@link ResponseCache.reject}); the latest
 * line of a key decides, so a later answer to the same request is served again.
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
    const found = new Map<string, { offset: number; length: number }>();
    const appender = JsonlAppender.open(file, {
      durability: options.durability,
      onExisting: (line) => {
        const key = (line.value as { key?: unknown }).key;
        if (typeof key !== 'string') return;
        if (isCacheRejection(line.value)) found.delete(key);
        else found.set(key, { offset: line.offset, length: line.length });
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

  /** Withdraws the answer under `key` (durably): it is not served again, and a new answer may be stored. */
  async reject(key: string, reason: string): Promise<void> {
    if (!this.index.has(key)) return;
    const rejection: CacheRejection = { key, rejected: reason, rejectedAt: new Date().toISOString() };
    await this.appender.append(rejection);
    this.index.delete(key);
  }

  async close(): Promise<void> {
    await this.appender.close();
    closeSync(this.readFd);
  }
}
