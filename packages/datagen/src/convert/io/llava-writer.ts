import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { VlmError, llavaRecordSchema, recordSchemaIssues, type LlavaRecordInput } from '@vlm/core';

/** Output layout: one JSON array (what LLaVA's trainers read) or JSON Lines. */
export type LlavaOutputFormat = 'json' | 'jsonl';

/** The format implied by a file name: `.jsonl` is JSON Lines, anything else a JSON array. */
export function outputFormatFor(file: string): LlavaOutputFormat {
  return file.endsWith('.jsonl') ? 'jsonl' : 'json';
}

/**
 * Writes LLaVA records one at a time, validating each against the LLaVA schema before it is written,
 * and respecting back-pressure so memory does not grow with the output. Records already written stay
 * valid JSON on disk once `close()` runs, even if the conversion stopped early.
 */
export class LlavaWriter {
  private readonly stream: WriteStream;
  private readonly format: LlavaOutputFormat;
  private written = 0;
  private closed = false;

  private constructor(readonly file: string, format: LlavaOutputFormat, stream: WriteStream) {
    this.format = format;
    this.stream = stream;
    if (format === 'json') this.stream.write('[');
  }

  /** Opens `file` for writing (creating its folder). */
  static async open(file: string, format: LlavaOutputFormat = outputFormatFor(file)): Promise<LlavaWriter> {
    await mkdir(dirname(file), { recursive: true });
    const stream = createWriteStream(file, { encoding: 'utf8' });
    await once(stream, 'open');
    return new LlavaWriter(file, format, stream);
  }

  /** Number of records written so far. */
  get count(): number {
    return this.written;
  }

  /** Validates and writes one record; throws a located `VlmError` if it does not match the schema. */
  async write(record: LlavaRecordInput): Promise<void> {
    if (!llavaRecordSchema.safeParse(record).success) {
      const issue = recordSchemaIssues(record, this.written)[0];
      throw new VlmError('invalid_output_record', `A converted record does not match the LLaVA format: ${issue?.reason ?? 'unknown'}.`, {
        location: { file: this.file, id: issue?.id, field: issue?.field },
        hint: 'This is a converter bug; please report it with the source row.',
      });
    }
    await this.writeRaw(JSON.stringify(record));
  }

  /** Writes one record already serialised as JSON (used by `mix`, which validated it on reading). */
  async writeRaw(json: string): Promise<void> {
    const text = this.format === 'json' ? `${this.written === 0 ? '\n' : ',\n'}${json}` : `${json}\n`;
    this.written++;
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  /** Finishes the file (closing the JSON array) and waits until it is on disk. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.format === 'json') this.stream.write(this.written === 0 ? ']\n' : '\n]\n');
    this.stream.end();
    await once(this.stream, 'close');
  }
}
