// `vlm-datagen batch export|submit|import`: the same requests through the OpenAI Batch API (half price).
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { VlmError } from '@vlm/core';
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

const usage = [
  'usage:',
  '  vlm-datagen batch export <job> --out-dir <dir> [job options] --model <m> [--batch-dir <dir>] [--max-requests n] [--max-bytes n]',
  '  vlm-datagen batch submit --batch-dir <dir> [--poll] [--interval <seconds>] [--base-url <url>]',
  '  vlm-datagen batch import <job> --out-dir <dir> [job options] --model <m> [--batch-dir <dir>] [results.jsonl ...]',
  '',
  'export writes Batch JSONL (split at 50,000 requests / 200 MB per file) for the requests the cache does not',
  'answer yet and no earlier round still covers; each export is a new round with new file names;',
  'submit uploads, creates and (with --poll) waits and downloads; it knows files by content hash and finds',
  'a batch it already created (batches.list), so no file is ever paid for twice, even after a crash;',
  'import stores the results in the cache and runs the job offline, writing the same outputs as `generate`.',
  '--batch-dir defaults to <out-dir>/batch.',
  '',
  jobUsage,
  '',
  teacherUsage,
].join('\n');

export async function batchCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...jobFlags,
      ...teacherFlags,
      'out-dir': { type: 'string' },
      out: { type: 'string' },
      'batch-dir': { type: 'string' },
      'max-requests': { type: 'string' },
      'max-bytes': { type: 'string' },
      poll: { type: 'boolean' },
      dedupe: { type: 'boolean' },
      interval: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [action, ...rest] = positionals;
  if (values.help || !action) {
    console.log(usage);
    return values.help ? 0 : 2;
  }
  const batchDir = values['batch-dir'] ?? (values['out-dir'] ? join(values['out-dir'], 'batch') : undefined);
  if (!batchDir) throw new VlmError('missing_option', `batch ${action} needs --batch-dir or --out-dir.`, { location: { field: 'batch-dir' }, hint: usage });

  if (action === 'submit') {
    const client = createOpenAIClient({ baseURL: values['base-url'], apiKey: values['api-key'] });
    const interval = numberFlag(values, 'interval', { min: 0 });
    const submissions = await submitBatches(client, batchDir, {
      poll: values.poll === true,
      intervalMs: interval === undefined ? undefined : interval * 1000,
      onStatus: (s) => console.error(s.map((b) => `${b.file}: ${b.status}${b.requestCounts ? ` ${b.requestCounts.completed}/${b.requestCounts.total}` : ''}`).join(' | ')),
    });
    for (const s of submissions) console.log(`${s.file}: batch ${s.batchId} ${s.status}${s.outputFile ? ` -> ${s.outputFile}` : ''}${s.errorFile ? ` (errors: ${s.errorFile})` : ''}`);
    return 0;
  }

  const outDir = values['out-dir'];
  if (!outDir) throw new VlmError('missing_option', `batch ${action} needs --out-dir <dir>.`, { location: { field: 'out-dir' }, hint: usage });
  const job = createTeacherJob(jobSpecFromFlags(rest[0], values));

  if (action === 'export') {
    // Export only reads the cache: it sends nothing and needs no key.
    const teacher = teacherFromFlags({ ...values, offline: true }, outDir);
    try {
      const manifest = await exportBatch(teacher, job.tasks(), batchDir, {
        maxRequests: numberFlag(values, 'max-requests', { integer: true, min: 1 }),
        maxBytes: numberFlag(values, 'max-bytes', { integer: true, min: 1 }),
      });
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
  }

  if (action === 'import') {
    const files = rest.slice(1);
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
    const teacher = createTeacher({ model: writer.model, cacheDir: (values.cache as string | undefined) ?? join(outDir, 'cache'), offline: true, price: writer.price, baseURL: writer.baseURL });
    try {
      const progress = progressPrinter();
      const result = await runGeneration({ teacher, tasks: job.tasks(), total: job.total, outDir, accept: job.accept, onProgress: progress.update });
      progress.done();
      return finishGeneration(result, generationFiles(outDir).samples, values.out ?? join(outDir, `${job.name}.json`), { dedupe: values.dedupe === true });
    } finally {
      await teacher.close();
    }
  }
  throw new VlmError('unknown_action', `Unknown batch action ${JSON.stringify(action)}.`, { hint: usage });
}
