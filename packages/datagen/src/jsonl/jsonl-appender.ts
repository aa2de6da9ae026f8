import { closeSync, fdatasync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

import { scanJsonl, type JsonlLine, type JsonlScan } from './scan-jsonl';

/** Where an appended line landed. */
export interface AppendedLine {
  offset: number;
  length: number;
}

/** Options of {@link openJsonlAppender}. */
export interface JsonlAppenderOptions {
  /** `fsync` (default): an append resolves once the data is on disk. `write`: once the OS has it (survives a killed process, not a power cut). */
  durability?: 'fsync' | 'write';
  /** Called with every complete line already in the file, while opening. */
  onExisting?: (line: JsonlLine) => void;
}

/**
 * An append-only JSONL file that a crash at any moment cannot corrupt: opening cuts off a torn last
 * line, appends are written in arrival order, and concurrent appends share one fsync (group commit)
 * so durability does not serialise a whole generation run behind the disk.
 */
export class JsonlAppender {
  private pending: Array<{ text: string; resolve: (at: AppendedLine) => void; reject: (error: unknown) => void }> = [];
  private flushing = false;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    private size: number,
    private readonly durability: 'fsync' | 'write',
    /** What was found in the file when it was opened. */
    readonly scan: JsonlScan,
  ) {}

  /** Opens (creating folders and file) and repairs a torn tail. */
  static open(path: string, options: JsonlAppenderOptions = {}): JsonlAppender {
    mkdirSync(dirname(path), { recursive: true });
    const scan = scanJsonl(path, options.onExisting ?? (() => {}));
    const fd = openSync(path, 'a+');
    // A crash mid-write leaves a partial line; its request is simply redone, so it is dropped.
    if (scan.tornBytes > 0) ftruncateSync(fd, scan.completeBytes);
    return new JsonlAppender(path, fd, scan.completeBytes, options.durability ?? 'fsync', scan);
  }

  /** Appends one value as a JSON line; resolves when it is durable. */
  append(value: unknown): Promise<AppendedLine> {
    if (this.closed) return Promise.reject(new Error(`JSONL file ${this.path} is closed`));
    const text = JSON.stringify(value);
    return new Promise((resolve, reject) => {
      this.pending.push({ text, resolve, reject });
      if (!this.flushing) {
        // Flushed on the next turn of the event loop: the appends of every answer that arrived in this
        // turn share one write (and one fsync), instead of one blocking write each on the main thread.
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.pending.length > 0) {
      const group = this.pending;
      this.pending = [];
      const placed: AppendedLine[] = [];
      const parts: string[] = [];
      let offset = this.size;
      for (const item of group) {
        const length = Buffer.byteLength(item.text);
        placed.push({ offset, length });
        parts.push(item.text, '\n');
        offset += length + 1;
      }
      try {
        const data = Buffer.from(parts.join(''));
        let written = 0;
        while (written < data.length) written += writeSync(this.fd, data, written);
        this.size = offset;
        if (this.durability === 'fsync') await new Promise<void>((res, rej) => fdatasync(this.fd, (e) => (e ? rej(e) : res())));
        group.forEach((item, i) => item.resolve(placed[i]!));
      } catch (error) {
        group.forEach((item) => item.reject(error));
      }
    }
    this.flushing = false;
  }

  /** Bytes in the file (complete lines only). */
  get byteLength(): number {
    return this.size;
  }

  /** Waits for pending appends, then closes the file. */
  async close(): Promise<void> {
    while (this.flushing || this.pending.length > 0) await new Promise((r) => setImmediate(r));
    if (!this.closed) {
      this.closed = true;
      closeSync(this.fd);
    }
  }
}

/** Reads every complete line of a JSONL file (a torn tail is ignored). */
export function readJsonl(path: string): unknown[] {
  const values: unknown[] = [];
  scanJsonl(path, (line) => values.push(line.value));
  return values;
}
