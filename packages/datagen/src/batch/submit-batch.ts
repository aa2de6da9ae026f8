import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type OpenAI from 'openai';
import { toFile } from 'openai';

import { VlmError } from '@vlm/core';

import { writeJsonAtomic } from '../generation/write-llava-json';
import type { BatchManifest } from './export-batch';
import { fileSha256 } from './file-sha256';

/** The state of one exported file at the Batch API (kept in `batch-submissions.json`). */
export interface BatchSubmission {
  file: string;
  /** SHA-256 of the file content that was sent: the identity of a submission (names can be reused). */
  sha256?: string;
  inputFileId?: string;
  batchId?: string;
  /** `uploading` / `creating` (intent recorded, the call may or may not have reached the API), then the batch's status. */
  status: string;
  /** When the intent to create was recorded (ISO time); bounds the `batches.list` lookup. */
  intentAt?: string;
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

/** The metadata key that names a batch's input file by content hash: how a rerun finds a batch it created. */
export const batchInputHashKey = 'vlm_input_sha256';

const finalStatuses = new Set(['completed', 'failed', 'expired', 'cancelled']);
const submissionsFile = (dir: string) => join(dir, 'batch-submissions.json');

/** The submissions recorded for an export folder (empty before the first submit). */
export function readSubmissions(exportDir: string): BatchSubmission[] {
  const file = submissionsFile(exportDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BatchSubmission[]) : [];
}

/**
 * The batch already created for an input hash, if any: the newest batches first, back to an hour
 * before the intent was recorded (the list is newest-first, so an old account's history is not read).
 */
async function findBatch(client: OpenAI, sha256: string, since: number): Promise<OpenAI.Batches.Batch | undefined> {
  for await (const batch of client.batches.list({ limit: 100 })) {
    if (batch.metadata && (batch.metadata as Record<string, string>)[batchInputHashKey] === sha256) return batch;
    if (batch.created_at * 1000 < since - 3_600_000) return undefined;
  }
  return undefined;
}

/**
 * Uploads every exported file and creates its batch, so that no file is ever paid for twice: a file is
 * known by its content hash (not its name); the intent is recorded in `batch-submissions.json` before
 * `batches.create`; the batch carries the hash in its metadata and `batches.list` is asked for it
 * before creating, so a rerun after a lost reply or a crash finds the batch instead of making another.
 * With `poll`, waits for the batches and downloads their output and error files next to the inputs.
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
    const path = join(exportDir, input.file);
    if (!existsSync(path)) {
      throw new VlmError('batch_file_missing', `The exported file ${input.file} is gone.`, { location: { file: path }, hint: 'Export again (a new round) or restore the file.' });
    }
    const sha256 = fileSha256(path);
    // Submissions of earlier versions were recorded by name only: the file is theirs if its content is unchanged.
    const legacy = submissions.find((s) => s.sha256 === undefined && s.file === input.file && input.sha256 === sha256);
    if (legacy) legacy.sha256 = sha256;
    let submission = submissions.find((s) => s.sha256 === sha256);
    if (submission?.batchId) continue;
    if (!submission) {
      submission = { file: input.file, sha256, status: 'uploading' };
      submissions.push(submission);
      save();
    }
    if (!submission.inputFileId) {
      // A lost upload reply leaves an unused file at the API (storage, not a charge); uploading again is safe.
      const uploaded = await client.files.create({ file: await toFile(readFileSync(path), input.file), purpose: 'batch' });
      submission.inputFileId = uploaded.id;
    }
    // The intent is on disk before the call: whatever happens to the reply, a rerun looks the batch up first.
    submission.status = 'creating';
    submission.intentAt ??= new Date().toISOString();
    save();
    let batch = await findBatch(client, sha256, Date.parse(submission.intentAt));
    batch ??= await client.batches.create({
      input_file_id: submission.inputFileId,
      endpoint: manifest.endpoint,
      completion_window: '24h',
      metadata: { ...options.metadata, [batchInputHashKey]: sha256, vlm_file: input.file },
    });
    submission.batchId = batch.id;
    submission.status = batch.status;
    save();
  }
  if (!options.poll) return submissions;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let round = 0; ; round++) {
    for (const submission of submissions) {
      if (!submission.batchId) continue;
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
