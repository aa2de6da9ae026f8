import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type OpenAI from 'openai';
import { toFile } from 'openai';

import { VlmError } from '@vlm/core';

import { writeJsonAtomic } from '../generation/write-llava-json';
import type { BatchManifest } from './export-batch';

/** The state of one exported file at the Batch API (kept in `batch-submissions.json`). */
export interface BatchSubmission {
  file: string;
  inputFileId: string;
  batchId: string;
  status: string;
  requestCounts?: { total: number; completed: number; failed: number };
  /** Downloaded results, relative to the export folder. */
  outputFile?: string;
  errorFile?: string;
}

/** Options of {@link submitBatches}. */
export interface SubmitBatchOptions {
  /** Wait for the batches to finish and download their results (default false: submit and return). */
  poll?: boolean;
  /** Time between polls in ms (default 30 000). */
  intervalMs?: number;
  /** Give up polling after this many rounds (default: no limit). */
  maxPolls?: number;
  onStatus?: (submissions: readonly BatchSubmission[]) => void;
  sleep?: (ms: number) => Promise<void>;
  metadata?: Record<string, string>;
}

const finalStatuses = new Set(['completed', 'failed', 'expired', 'cancelled']);
const submissionsFile = (dir: string) => join(dir, 'batch-submissions.json');

/** The submissions recorded for an export folder (empty before the first submit). */
export function readSubmissions(exportDir: string): BatchSubmission[] {
  const file = submissionsFile(exportDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BatchSubmission[]) : [];
}

/**
 * Uploads every exported file and creates its batch, recording each step in `batch-submissions.json`
 * at once, so running it again never submits (and pays for) a file twice; with `poll`, waits for the
 * batches and downloads their output and error files next to the inputs.
 */
export async function submitBatches(client: OpenAI, exportDir: string, options: SubmitBatchOptions = {}): Promise<BatchSubmission[]> {
  const manifestPath = join(exportDir, 'batch-manifest.json');
  if (!existsSync(manifestPath)) {
    throw new VlmError('batch_manifest_missing', 'No batch-manifest.json in the export folder.', { location: { file: manifestPath }, hint: 'Run `vlm-datagen batch export` first.' });
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as BatchManifest;
  const submissions = readSubmissions(exportDir);
  const save = () => writeJsonAtomic(submissionsFile(exportDir), submissions);
  for (const input of manifest.files) {
    if (submissions.some((s) => s.file === input.file)) continue;
    const uploaded = await client.files.create({ file: await toFile(readFileSync(join(exportDir, input.file)), input.file), purpose: 'batch' });
    const batch = await client.batches.create({ input_file_id: uploaded.id, endpoint: manifest.endpoint, completion_window: '24h', metadata: options.metadata });
    submissions.push({ file: input.file, inputFileId: uploaded.id, batchId: batch.id, status: batch.status });
    save();
  }
  if (!options.poll) return submissions;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let round = 0; ; round++) {
    for (const submission of submissions) {
      if (finalStatuses.has(submission.status) && (submission.outputFile || submission.errorFile || submission.status !== 'completed')) continue;
      const batch = await client.batches.retrieve(submission.batchId);
      submission.status = batch.status;
      if (batch.request_counts) submission.requestCounts = batch.request_counts;
      if (batch.status === 'completed') {
        if (batch.output_file_id) submission.outputFile = await download(client, batch.output_file_id, exportDir, submission.file.replace(/\.jsonl$/, '.output.jsonl'));
        if (batch.error_file_id) submission.errorFile = await download(client, batch.error_file_id, exportDir, submission.file.replace(/\.jsonl$/, '.errors.jsonl'));
      }
      save();
    }
    options.onStatus?.(submissions);
    if (submissions.every((s) => finalStatuses.has(s.status))) return submissions;
    if (options.maxPolls !== undefined && round + 1 >= options.maxPolls) return submissions;
    await sleep(options.intervalMs ?? 30_000);
  }
}

async function download(client: OpenAI, fileId: string, dir: string, name: string): Promise<string> {
  const response = await client.files.content(fileId);
  writeFileSync(join(dir, name), Buffer.from(await response.arrayBuffer()));
  return name;
}
