import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { VlmError } from '@vlm/core';

import type { GenerationTask } from '../generation/run-generation';
import { writeJsonAtomic } from '../generation/write-llava-json';
import type { Teacher } from '../teacher/teacher';

/** The Batch API's per-file limits. */
export const batchFileLimits = { maxRequests: 50_000, maxBytes: 200 * 1024 * 1024 } as const;

/** One exported Batch input file. */
export interface BatchInputFile {
  /** File name inside the export folder. */
  file: string;
  requests: number;
  bytes: number;
}

/** What an export wrote: `batch-manifest.json` in the export folder. */
export interface BatchManifest {
  model: string;
  endpoint: '/v1/chat/completions';
  createdAt: string;
  files: BatchInputFile[];
  /** Tasks seen, requests written, requests skipped because already answered or repeated. */
  counts: { tasks: number; written: number; cached: number; duplicates: number };
}

/** Options of {@link exportBatch}. */
export interface ExportBatchOptions {
  /** Requests per file (default and maximum 50 000). */
  maxRequests?: number;
  /** Bytes per file (default and maximum 200 MiB). */
  maxBytes?: number;
  /** File name prefix (default `batch`). */
  prefix?: string;
}

/**
 * Writes the requests of a job as OpenAI Batch JSONL (`custom_id` = the request's content address, so
 * results import straight into the cache), split into files within the per-file request and byte
 * limits. Requests already answered in the teacher's cache and repeated requests are left out.
 */
export async function exportBatch(teacher: Pick<Teacher, 'model' | 'key' | 'has'>, tasks: Iterable<GenerationTask> | AsyncIterable<GenerationTask>, outDir: string, options: ExportBatchOptions = {}): Promise<BatchManifest> {
  const maxRequests = Math.min(options.maxRequests ?? batchFileLimits.maxRequests, batchFileLimits.maxRequests);
  const maxBytes = Math.min(options.maxBytes ?? batchFileLimits.maxBytes, batchFileLimits.maxBytes);
  const prefix = options.prefix ?? 'batch';
  mkdirSync(outDir, { recursive: true });
  const manifest: BatchManifest = {
    model: teacher.model,
    endpoint: '/v1/chat/completions',
    createdAt: new Date().toISOString(),
    files: [],
    counts: { tasks: 0, written: 0, cached: 0, duplicates: 0 },
  };
  const seen = new Set<string>();
  let fd: number | undefined;
  let current: BatchInputFile | undefined;
  const closeCurrent = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    current = undefined;
  };
  try {
    for await (const task of tasks) {
      manifest.counts.tasks += 1;
      const key = teacher.key(task.messages, task.params);
      if (teacher.has(key)) {
        manifest.counts.cached += 1;
        continue;
      }
      if (seen.has(key)) {
        manifest.counts.duplicates += 1;
        continue;
      }
      seen.add(key);
      const line = JSON.stringify({ custom_id: key, method: 'POST', url: '/v1/chat/completions', body: { ...task.params, model: teacher.model, messages: task.messages } }) + '\n';
      const bytes = Buffer.byteLength(line);
      if (bytes > maxBytes) {
        throw new VlmError('batch_request_too_large', `One request is ${bytes} bytes, more than the ${maxBytes}-byte file limit.`, { location: { id: task.id } });
      }
      if (!current || current.requests >= maxRequests || current.bytes + bytes > maxBytes) {
        closeCurrent();
        current = { file: `${prefix}-${String(manifest.files.length).padStart(3, '0')}.jsonl`, requests: 0, bytes: 0 };
        manifest.files.push(current);
        fd = openSync(join(outDir, current.file), 'w');
      }
      writeSync(fd!, line);
      current.requests += 1;
      current.bytes += bytes;
      manifest.counts.written += 1;
    }
  } finally {
    closeCurrent();
  }
  writeJsonAtomic(join(outDir, 'batch-manifest.json'), manifest);
  return manifest;
}
