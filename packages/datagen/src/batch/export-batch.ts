import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { VlmError } from '@vlm/core';

import type { GenerationTask } from '../generation/run-generation';
import { writeJsonAtomic } from '../generation/write-llava-json';
import { scanJsonl } from '../jsonl/scan-jsonl';
import type { Teacher } from '../teacher/teacher';
import { readSubmissions, type BatchSubmission } from './submit-batch';

/** The Batch API's per-file limits. */
export const batchFileLimits = { maxRequests: 50_000, maxBytes: 200 * 1024 * 1024 } as const;

/** One exported Batch input file. */
export interface BatchInputFile {
  /** File name inside the export folder (never reused by a later round). */
  file: string;
  requests: number;
  bytes: number;
  /** SHA-256 of the file's bytes: what `submit` compares, so a changed file is never mistaken for a sent one. */
  sha256: string;
  /** The export round (1, 2, ...) that wrote it. */
  round: number;
}

/** What the exports wrote: `batch-manifest.json` in the export folder, every round's files. */
export interface BatchManifest {
  model: string;
  endpoint: '/v1/chat/completions';
  createdAt: string;
  /** Every file of every round, in order. */
  files: BatchInputFile[];
  /** Number of export rounds into this folder. */
  rounds: number;
  /**
   * Of the latest round: tasks seen, requests written, requests skipped because already answered,
   * repeated, or still waiting in an earlier round's file (exported, not yet answered).
   */
  counts: { tasks: number; written: number; cached: number; duplicates: number; pending: number };
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

const finalStatuses = new Set(['completed', 'failed', 'expired', 'cancelled']);

function readManifest(path: string): BatchManifest | undefined {
  if (!existsSync(path)) return undefined;
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as BatchManifest;
  // Manifests of earlier versions had no rounds or hashes.
  manifest.rounds ??= 1;
  for (const f of manifest.files) f.round ??= 1;
  return manifest;
}

/**
 * Requests an earlier round already covers: those in files not yet finished at the Batch API (sending
 * them again would pay twice), and those answered in a downloaded output file (import it instead).
 */
function coveredByEarlierRounds(dir: string, manifest: BatchManifest | undefined, submissions: readonly BatchSubmission[]): Set<string> {
  const covered = new Set<string>();
  const addIds = (file: string, answeredOnly: boolean) =>
    scanJsonl(join(dir, file), (line) => {
      const v = line.value as { custom_id?: unknown; response?: { status_code?: unknown } };
      if (typeof v.custom_id === 'string' && (!answeredOnly || v.response?.status_code === 200)) covered.add(v.custom_id);
    });
  for (const input of manifest?.files ?? []) {
    if (!existsSync(join(dir, input.file))) continue;
    const submission = submissions.find((s) => s.sha256 === input.sha256 || (s.sha256 === undefined && s.file === input.file));
    if (!submission || !finalStatuses.has(submission.status)) addIds(input.file, false);
    else if (submission.outputFile && existsSync(join(dir, submission.outputFile))) addIds(submission.outputFile, true);
  }
  return covered;
}

/**
 * Writes the requests of a job as OpenAI Batch JSONL (`custom_id` = the request's content address, so
 * results import straight into the cache), split into files within the per-file request and byte
 * limits. Requests already answered in the teacher's cache, repeated ones and ones an earlier round
 * still covers are left out. Each export into the same folder is a new round with new file names
 * (never overwriting a file `submit` may already have sent), recorded with its content hash.
 */
export async function exportBatch(teacher: Pick<Teacher, 'model' | 'key' | 'has'>, tasks: Iterable<GenerationTask> | AsyncIterable<GenerationTask>, outDir: string, options: ExportBatchOptions = {}): Promise<BatchManifest> {
  const maxRequests = Math.min(options.maxRequests ?? batchFileLimits.maxRequests, batchFileLimits.maxRequests);
  const maxBytes = Math.min(options.maxBytes ?? batchFileLimits.maxBytes, batchFileLimits.maxBytes);
  const prefix = options.prefix ?? 'batch';
  mkdirSync(outDir, { recursive: true });
  const manifestPath = join(outDir, 'batch-manifest.json');
  const previous = readManifest(manifestPath);
  if (previous && previous.model !== teacher.model) {
    throw new VlmError('batch_model_mismatch', `The folder holds Batch files for ${previous.model}, not ${teacher.model}.`, {
      location: { file: manifestPath },
      hint: 'Export into another --batch-dir for another model.',
    });
  }
  const covered = coveredByEarlierRounds(outDir, previous, readSubmissions(outDir));
  const round = (previous?.rounds ?? 0) + 1;
  const manifest: BatchManifest = {
    model: teacher.model,
    endpoint: '/v1/chat/completions',
    createdAt: previous?.createdAt ?? new Date().toISOString(),
    files: [...(previous?.files ?? [])],
    rounds: round,
    counts: { tasks: 0, written: 0, cached: 0, duplicates: 0, pending: 0 },
  };
  let nextNumber = manifest.files.length;
  const nextName = () => {
    let name: string;
    do name = `${prefix}-${String(nextNumber++).padStart(3, '0')}.jsonl`;
    while (existsSync(join(outDir, name)));
    return name;
  };
  const seen = new Set<string>();
  const written: BatchInputFile[] = [];
  let fd: number | undefined;
  let current: BatchInputFile | undefined;
  let hash: ReturnType<typeof createHash> | undefined;
  const closeCurrent = () => {
    if (fd !== undefined) closeSync(fd);
    if (current && hash) current.sha256 = hash.digest('hex');
    fd = undefined;
    current = undefined;
    hash = undefined;
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
      if (covered.has(key)) {
        manifest.counts.pending += 1;
        continue;
      }
      const line = JSON.stringify({ custom_id: key, method: 'POST', url: '/v1/chat/completions', body: { ...task.params, model: teacher.model, messages: task.messages } }) + '\n';
      const bytes = Buffer.byteLength(line);
      if (bytes > maxBytes) {
        throw new VlmError('batch_request_too_large', `One request is ${bytes} bytes, more than the ${maxBytes}-byte file limit.`, { location: { id: task.id } });
      }
      if (!current || current.requests >= maxRequests || current.bytes + bytes > maxBytes) {
        closeCurrent();
        current = { file: nextName(), requests: 0, bytes: 0, sha256: '', round };
        written.push(current);
        hash = createHash('sha256');
        fd = openSync(join(outDir, current.file), 'wx');
      }
      writeSync(fd!, line);
      hash!.update(line);
      current.requests += 1;
      current.bytes += bytes;
      manifest.counts.written += 1;
    }
  } finally {
    closeCurrent();
  }
  manifest.files.push(...written);
  writeJsonAtomic(manifestPath, manifest);
  return manifest;
}
