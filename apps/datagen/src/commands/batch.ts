// `vlm-datagen batch export|submit|import`: the same requests through the OpenAI Batch API (half price).
import { join } from 'node:path';

import { VlmError } from '@vlm/core';
import { defineCommand, defineCommandGroup } from '@vlm/core/node';
import {
  createOpenAIClient,
  createTeacher,
  createTeacherJob,
  estimateCost,
  exportBatch,
  generationFiles,
  importBatchResults,
  readSubmissions,
  runGeneration,
  submitBatches,
} from '@vlm/datagen';

import { finishGeneration, jobFlags, jobSpecFromFlags, jobUsage, numberFlag, progressPrinter, teacherFlags, teacherFromFlags, teacherUsage } from './teacher-flags';

const batchDirNote = '--batch-dir defaults to <out-dir>/batch.';

const exportUsage = [
  'usage: vlm-datagen batch export <job> --out-dir <dir> [job options] --model <m> [--batch-dir <dir>] [--max-requests n] [--max-bytes n]',
  '  Writes Batch API JSONL (split at 50,000 requests / 200 MB per file, or --max-requests / --max-bytes) for',
  '  the requests the cache does not answer yet and no earlier round still covers, and the estimated Batch',
  '  cost. Each export is a new round with new file names. Sends nothing and needs no key.',
  `  ${batchDirNote}`,
  '',
  jobUsage,
  '',
  teacherUsage,
].join('\n');

const submitUsage = [
  'usage: vlm-datagen batch submit --batch-dir <dir> [--poll] [--interval <seconds>] [--base-url <url>] [--api-key <key>]',
  '  Uploads the exported files and creates the batches; with --poll, waits (checking every --interval',
  '  seconds) and downloads the results. Files are known by content hash and a batch already created is',
  '  found again (batches.list), so no file is ever paid for twice, even after a crash.',
  '  --out-dir <dir>   instead of --batch-dir: its batch/ folder',
].join('\n');

const importUsage = [
  'usage: vlm-datagen batch import <job> --out-dir <dir> [job options] --model <m> [--batch-dir <dir>] [--out <file.json>] [results.jsonl ...]',
  '  Stores the results (the files given, else those `submit --poll` downloaded) in the cache and runs the',
  '  job offline, writing the same outputs as `generate`.',
  '  --out <file.json>   the dataset (default <out-dir>/<job>.json)',
  '  --dedupe            drop near-duplicate records dataset-wide (same normalised conversation text, any image)',
  `  ${batchDirNote}`,
  '',
  jobUsage,
  '',
  teacherUsage,
].join('\n');

function batchDirOf(values: { 'batch-dir'?: string; 'out-dir'?: string }, action: string): string {
  const batchDir = values['batch-dir'] ?? (values['out-dir'] ? join(values['out-dir'], 'batch') : undefined);
  if (!batchDir) throw new VlmError('missing_option', `batch ${action} needs --batch-dir or --out-dir.`, { location: { field: 'batch-dir' } });
  return batchDir;
}

function outDirOf(values: { 'out-dir'?: string }, action: string): string {
  const outDir = values['out-dir'];
  if (!outDir) throw new VlmError('missing_option', `batch ${action} needs --out-dir <dir>.`, { location: { field: 'out-dir' } });
  return outDir;
}

const exportCommand = defineCommand(
  {
    summary: 'write Batch API request files for what the cache does not answer',
    usage: exportUsage,
    options: { ...jobFlags, ...teacherFlags, 'out-dir': { type: 'string' }, 'batch-dir': { type: 'string' }, 'max-requests': { type: 'string' }, 'max-bytes': { type: 'string' } },
    positionals: { min: 1, name: 'the job (llava or llava-med)' },
  },
  async ({ values, positionals }) => {
    const batchDir = batchDirOf(values, 'export');
    const outDir = outDirOf(values, 'export');
    const job = createTeacherJob(jobSpecFromFlags(positionals[0], values));
    const maxRequests = numberFlag(values, 'max-requests', { integer: true, min: 1 });
    const maxBytes = numberFlag(values, 'max-bytes', { integer: true, min: 1 });
    // Export only reads the cache: it sends nothing and needs no key.
    const teacher = teacherFromFlags({ ...values, offline: true }, outDir);
    try {
      const manifest = await exportBatch(teacher, job.tasks(), batchDir, { maxRequests, maxBytes });
      const written = manifest.files.filter((f) => f.round === manifest.rounds);
      const estimate = await estimateCost(teacher, job.tasks(), { batch: true });
      console.log(
        `round ${manifest.rounds}: exported ${manifest.counts.written} requests in ${written.length} file(s)${written.length > 0 ? ` (${written.map((f) => f.file).join(', ')})` : ''} to ${batchDir} (${manifest.counts.cached} already cached, ${manifest.counts.duplicates} duplicates, ${manifest.counts.pending} waiting in earlier rounds)\n` +
          (estimate.price ? `estimated Batch cost: <= $${estimate.costUsd.toFixed(4)}` : 'estimated cost: unknown price for this model'),
      );
      return 0;
    } finally {
      await teacher.close();
    }
  },
);

const submitCommand = defineCommand(
  {
    summary: 'upload, create and (with --poll) wait for and download the batches',
    usage: submitUsage,
    options: { 'batch-dir': { type: 'string' }, 'out-dir': { type: 'string' }, poll: { type: 'boolean' }, interval: { type: 'string' }, 'base-url': { type: 'string' }, 'api-key': { type: 'string' } },
  },
  async ({ values }) => {
    const batchDir = batchDirOf(values, 'submit');
    const interval = numberFlag(values, 'interval', { min: 0 });
    const client = createOpenAIClient({ baseURL: values['base-url'], apiKey: values['api-key'] });
    const submissions = await submitBatches(client, batchDir, {
      poll: values.poll === true,
      intervalMs: interval === undefined ? undefined : interval * 1000,
      onStatus: (s) => console.error(s.map((b) => `${b.file}: ${b.status}${b.requestCounts ? ` ${b.requestCounts.completed}/${b.requestCounts.total}` : ''}`).join(' | ')),
    });
    for (const s of submissions) console.log(`${s.file}: batch ${s.batchId} ${s.status}${s.outputFile ? ` -> ${s.outputFile}` : ''}${s.errorFile ? ` (errors: ${s.errorFile})` : ''}`);
    return 0;
  },
);

const importCommand = defineCommand(
  {
    summary: 'store the batch results in the cache and run the job offline',
    usage: importUsage,
    options: { ...jobFlags, ...teacherFlags, 'out-dir': { type: 'string' }, out: { type: 'string' }, 'batch-dir': { type: 'string' }, dedupe: { type: 'boolean' } },
    positionals: { min: 1, max: Infinity, name: 'the job (llava or llava-med)' },
  },
  async ({ values, positionals }) => {
    const batchDir = batchDirOf(values, 'import');
    const outDir = outDirOf(values, 'import');
    const job = createTeacherJob(jobSpecFromFlags(positionals[0], values));
    const files = positionals.slice(1);
    if (files.length === 0) {
      for (const s of readSubmissions(batchDir)) {
        if (s.outputFile) files.push(join(batchDir, s.outputFile));
        if (s.errorFile) files.push(join(batchDir, s.errorFile));
      }
    }
    if (files.length === 0) throw new VlmError('batch_results_missing', 'No results files given and none downloaded in the batch folder.', { hint: 'Run `batch submit --poll` first, or pass the results files.' });
    const writer = teacherFromFlags({ ...values, offline: true }, outDir);
    try {
      for (const file of files) {
        const report = await importBatchResults(writer, file);
        const failed = Object.entries(report.failed).map(([r, n]) => `${r} ${n}`).join(', ');
        console.error(`${file}: ${report.imported} imported, ${report.alreadyCached} already cached${failed ? `, failed: ${failed}` : ''}${report.otherModel ? `, ${report.otherModel} from another model` : ''}`);
      }
    } finally {
      await writer.close();
    }
    // The job now runs from the cache only; what the batch did not answer is listed as failed.
    const teacher = createTeacher({ model: writer.model, cacheDir: values.cache ?? join(outDir, 'cache'), offline: true, price: writer.price, baseURL: writer.baseURL });
    try {
      const progress = progressPrinter();
      const result = await runGeneration({ teacher, tasks: job.tasks(), total: job.total, outDir, accept: job.accept, onProgress: progress.update });
      progress.done();
      return finishGeneration(result, generationFiles(outDir).samples, values.out ?? join(outDir, `${job.name}.json`), { dedupe: values.dedupe === true });
    } finally {
      await teacher.close();
    }
  },
);

/** `vlm-datagen batch export|submit|import`: the same requests through the OpenAI Batch API (half price). */
export const batchCommand = defineCommandGroup({
  name: 'vlm-datagen batch',
  summary: 'the same requests through the OpenAI Batch API (half price): export, submit, import',
  commands: { export: exportCommand, submit: submitCommand, import: importCommand },
});
