// Benchmark: validate + format + tokenize + mask on 10,000 generated LLaVA-Instruct-like records with the
// LLaMA-2 tokenizer, next to the raw tokenizer library alone on the same prompt texts, in the same run.
// Run: pnpm --filter @vlm/core bench   (options: --records N --reps R --template name)
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import llamaTokenizerJs from 'llama-tokenizer-js';
import { formatConversation, type FormattedConversation } from '../src/format/format-conversation';
import { tokenizeConversation } from '../src/masks/tokenize-conversation';
import { loadLlama2Tokenizer } from '../src/tokenizers/llama2-tokenizer';
import { validateDataset } from '../src/validate/validate-dataset';
import { generateLlavaRecords } from './generate-records';

const { values } = parseArgs({ options: { records: { type: 'string', default: '10000' }, reps: { type: 'string', default: '3' }, template: { type: 'string', default: 'vicuna_v1' } } });
const count = Number(values.records);
const reps = Number(values.reps);
const template = values.template;

const records = generateLlavaRecords(count, 2026);
const tokenizer = await loadLlama2Tokenizer();
const texts = records.map((r, row) => formatConversation(r, { template, row }).text);
const chars = texts.reduce((n, t) => n + t.length, 0);

// CPU time of this process (user + system), not wall time: on a shared machine other processes' load
// stretches wall time but not the CPU this process spends.
function time(fn: () => number): { seconds: number; wall: number; tokens: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const tokens = fn();
  const c = process.cpuUsage(c0);
  return { seconds: (c.user + c.system) / 1e6, wall: (performance.now() - t0) / 1000, tokens };
}

// The baseline: the tokenizer library alone on each final prompt text (BOS + dummy prefix, no masks).
const raw = () => texts.reduce((n, t) => n + llamaTokenizerJs.encode(t, true, true).length, 0);
// The same texts through our Tokenizer (special strings as single ids, word-wise encoding with a word
// cache). Each measured run gets a fresh tokenizer, so every variant pays the same cache misses.
let fresh = tokenizer;
const wrapped = () => texts.reduce((n, t) => n + fresh.encode(t).length, 0);
let validateSeconds = 0;
let formatSeconds = 0;
let tokenizeSeconds = 0;
const cpu = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const pipeline = () => {
  let tokens = 0;
  const t0 = cpu();
  // validateDataset is async (file checks); without a file checker it completes synchronously inside.
  let report: Awaited<ReturnType<typeof validateDataset>> | undefined;
  void validateDataset(records).then((r) => (report = r));
  const t1 = cpu();
  const formatted: FormattedConversation[] = records.map((r, row) => formatConversation(r, { template, row }));
  const t2 = cpu();
  for (const f of formatted) tokens += tokenizeConversation(f, fresh).inputIds.length;
  const t3 = cpu();
  validateSeconds += (t1 - t0) / 1000;
  formatSeconds += (t2 - t1) / 1000;
  tokenizeSeconds += (t3 - t2) / 1000;
  void report;
  return tokens;
};

// warm-up (JIT) on a slice
for (const t of texts.slice(0, 300)) llamaTokenizerJs.encode(t, true, true);
for (const r of records.slice(0, 300)) tokenizeConversation(formatConversation(r, { template }), tokenizer);

const results: Record<string, number[]> = { raw: [], wrapped: [], pipeline: [] };
const walls: Record<string, number[]> = { raw: [], wrapped: [], pipeline: [] };
const record = (name: string, r: { seconds: number; wall: number }) => {
  results[name]!.push(r.seconds);
  walls[name]!.push(r.wall);
  return r;
};
let tokens = 0;
for (let i = 0; i < reps; i++) {
  // interleaved, so load from other processes hits every variant alike
  // the library alone is slow on whole prompts (superlinear BPE), so it runs once to keep the bench short
  if (i === 0) record('raw', time(raw));
  fresh = await loadLlama2Tokenizer();
  record('wrapped', time(wrapped));
  fresh = await loadLlama2Tokenizer();
  const p = record('pipeline', time(pipeline));
  tokens = p.tokens;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rawS = median(results.raw!);

console.log(`${count} records (1-3 rounds = 2-6 turns), template ${template}, ${chars.toLocaleString('en')} characters, ${tokens.toLocaleString('en')} tokens`);
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, Node ${process.version}; median of ${reps} interleaved runs (the library row: 1 run)\n`);
const baseS = median(results.wrapped!);
console.log('| what | CPU seconds | wall seconds | records/s (CPU) | tokens/s (CPU) | vs library | vs Tokenizer.encode |');
console.log('|---|---|---|---|---|---|---|');
for (const [name, label] of [
  ['raw', 'raw tokenizer (llama-tokenizer-js encode of the prompt text)'],
  ['wrapped', '@vlm/core Tokenizer.encode of the same texts (the baseline for the target)'],
  ['pipeline', 'validate + format + tokenize + labels (tokenizeConversation)'],
] as const) {
  const s = median(results[name]!);
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
  console.log(`| ${label} | ${s.toFixed(2)} | ${median(walls[name]!).toFixed(2)} | ${Math.round(count / s).toLocaleString('en')} | ${Math.round(tokens / s).toLocaleString('en')} | ${name === 'raw' ? '-' : pct(s / rawS - 1)} | ${name === 'pipeline' ? pct(s / baseS - 1) : '-'} |`);
}
console.log(`\npipeline breakdown, CPU seconds summed over ${reps} runs: validate ${validateSeconds.toFixed(2)} s, format ${formatSeconds.toFixed(2)} s, tokenize + labels ${tokenizeSeconds.toFixed(2)} s`);
