// Flags shared by `generate` and `batch`: which job, which teacher, where outputs go, and progress.
import { join } from 'node:path';

import { VlmError } from '@vlm/core';
import { createTeacher, formatProgress, formatSummary, writeLlavaJson, type GenerationProgress, type LlavaInstructKind, type Teacher, type TeacherJobSpec, type TeacherOptions } from '@vlm/datagen';

/** parseArgs options of a teacher job. */
export const jobFlags = {
  captions: { type: 'string' },
  instances: { type: 'string' },
  kinds: { type: 'string' },
  input: { type: 'string' },
  'no-mentions': { type: 'boolean' },
  limit: { type: 'string' },
  seed: { type: 'string' },
  'max-examples': { type: 'string' },
  'max-tokens': { type: 'string' },
} as const;

/** parseArgs options of the teacher connection and its limits. */
export const teacherFlags = {
  model: { type: 'string' },
  'base-url': { type: 'string' },
  'api-key': { type: 'string' },
  concurrency: { type: 'string' },
  retries: { type: 'string' },
  timeout: { type: 'string' },
  cache: { type: 'string' },
  budget: { type: 'string' },
  'price-in': { type: 'string' },
  'price-out': { type: 'string' },
  offline: { type: 'boolean' },
} as const;

export const teacherUsage = [
  'teacher options (OpenAI or any compatible server: vLLM, Ollama, Azure, ...):',
  '  --model <name>          teacher model (else $VLM_TEACHER_MODEL)',
  '  --base-url <url>        API base URL (else $OPENAI_BASE_URL, else OpenAI)',
  '  --api-key <key>         API key (else $OPENAI_API_KEY; never printed or written)',
  '  --concurrency <n>       requests in flight at once (default 8)',
  '  --retries <n>           retries of 429/5xx/timeouts/malformed answers (default 6)',
  '  --timeout <seconds>     per-request timeout (default 120)',
  '  --cache <dir>           answer cache (default <out-dir>/cache); reruns never pay twice',
  '  --budget <usd>          never spend more: each request\'s maximum cost is reserved before it is sent',
  '  --price-in/--price-out  USD per million tokens (default: known list prices)',
  '  --offline               only use cached answers (e.g. after `batch import`)',
].join('\n');

export const jobUsage = [
  'jobs:',
  '  llava      --captions <captions_*.json> [--instances <instances_*.json>] [--kinds conversation,detail,complex]',
  '  llava-med  --input <figures.jsonl> ({id, image, caption, figureLabel?, mentions?}) [--no-mentions]',
  'job options: --limit <n images/figures>  --seed <n>  --max-examples <n>  --max-tokens <n>',
].join('\n');

/** A number flag (or undefined); a clear error when it is not a number. */
export function numberFlag(values: Record<string, unknown>, name: string, options: { integer?: boolean; min?: number } = {}): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || (options.integer && !Number.isInteger(n)) || (options.min !== undefined && n < options.min)) {
    throw new VlmError('bad_option', `--${name} needs ${options.integer ? 'an integer' : 'a number'}${options.min !== undefined ? ` >= ${options.min}` : ''}, got ${JSON.stringify(raw)}.`, { location: { field: name } });
  }
  return n;
}

function requireFlag(values: Record<string, unknown>, name: string, job: string): string {
  const v = values[name];
  if (typeof v !== 'string' || !v) throw new VlmError('missing_option', `The ${job} job needs --${name}.`, { location: { field: name }, hint: jobUsage });
  return v;
}

/** The job spec the flags describe. */
export function jobSpecFromFlags(job: string | undefined, values: Record<string, unknown>): TeacherJobSpec {
  const common = {
    limit: numberFlag(values, 'limit', { integer: true, min: 1 }),
    seed: numberFlag(values, 'seed', { integer: true }),
    maxExamples: numberFlag(values, 'max-examples', { integer: true, min: 0 }),
    maxTokens: numberFlag(values, 'max-tokens', { integer: true, min: 1 }),
  };
  if (job === 'llava') {
    const kinds = typeof values.kinds === 'string' ? (values.kinds.split(',').map((k) => k.trim()) as LlavaInstructKind[]) : undefined;
    return { job, captions: requireFlag(values, 'captions', job), instances: values.instances as string | undefined, kinds, ...common };
  }
  if (job === 'llava-med') return { job, input: requireFlag(values, 'input', job), includeMentions: values['no-mentions'] !== true, ...common };
  throw new VlmError('unknown_job', `Unknown job ${JSON.stringify(job ?? '')}.`, { hint: jobUsage });
}

/** The teacher options the flags describe; the cache defaults to `<outDir>/cache`. */
export function teacherOptionsFromFlags(values: Record<string, unknown>, outDir: string): TeacherOptions {
  const priceIn = numberFlag(values, 'price-in', { min: 0 });
  const priceOut = numberFlag(values, 'price-out', { min: 0 });
  if ((priceIn === undefined) !== (priceOut === undefined)) {
    throw new VlmError('bad_option', 'Give both --price-in and --price-out, or neither.', { location: { field: priceIn === undefined ? 'price-in' : 'price-out' } });
  }
  const timeout = numberFlag(values, 'timeout', { min: 0.001 });
  return {
    model: values.model as string | undefined,
    baseURL: values['base-url'] as string | undefined,
    apiKey: values['api-key'] as string | undefined,
    cacheDir: (values.cache as string | undefined) ?? join(outDir, 'cache'),
    concurrency: numberFlag(values, 'concurrency', { integer: true, min: 1 }),
    maxRetries: numberFlag(values, 'retries', { integer: true, min: 0 }),
    timeoutMs: timeout === undefined ? undefined : timeout * 1000,
    budgetUsd: numberFlag(values, 'budget', { min: 0 }),
    price: priceIn !== undefined && priceOut !== undefined ? { inputPerMillion: priceIn, outputPerMillion: priceOut } : undefined,
    offline: values.offline === true,
  };
}

/** A teacher from the flags (see {@link teacherOptionsFromFlags}). */
export function teacherFromFlags(values: Record<string, unknown>, outDir: string): Teacher {
  return createTeacher(teacherOptionsFromFlags(values, outDir));
}

/**
 * The end of a generation command: writes the LLaVA JSON of what was accepted (never an empty `[]`),
 * prints the summary, and throws the reason when the run stopped early (budget, bad key, wrong URL,
 * unreachable server) so the user sees the server's message and what to do; exit code 1 on failures.
 */
export function finishGeneration(result: GenerationProgress, samplesFile: string, outFile: string, options: { dedupe?: boolean } = {}): number {
  const records = writeLlavaJson(samplesFile, outFile, { dedupe: options.dedupe });
  const lines = [formatSummary(result)];
  if (options.dedupe) lines.push(`near-duplicates removed: ${records.nearDuplicates} (dataset-wide, normalised text)`);
  lines.push(records.written ? `output: ${records.length} records -> ${outFile}` : `output: no records accepted, ${outFile} not written`);
  console.log(lines.join('\n'));
  if (result.stopCode) throw new VlmError(result.stopCode, result.stoppedBy ?? 'The run stopped early.', { hint: result.stopHint });
  return result.failed > 0 || result.stoppedBy ? 1 : 0;
}

/** Progress on stderr: redrawn in place on a terminal, a line every few seconds otherwise. */
export function progressPrinter(): { update(p: GenerationProgress): void; done(): void } {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  let pending: GenerationProgress | undefined;
  return {
    update(p) {
      pending = p;
      const now = Date.now();
      if (now - last < (tty ? 100 : 5000)) return;
      last = now;
      process.stderr.write(tty ? `\r\x1b[2K${formatProgress(p)}` : `${formatProgress(p)}\n`);
    },
    done() {
      if (pending) process.stderr.write(tty ? `\r\x1b[2K${formatProgress(pending)}\n` : `${formatProgress(pending)}\n`);
    },
  };
}
