// Benchmark: validate + format + tokenize + mask on 10,000 generated LLaVA-Instruct-like records with the
// LLaMA-2 tokenizer, next to the raw tokenizer library alone on the same prompt texts, in the same run.
// Run: pnpm --filter @vlm/core bench   (options: --records N --reps R --template name --hold-formatted)
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import llamaTokenizerJs from 'llama-tokenizer-js';
import { formatConversation, type FormattedConversation } from '../src/format/format-conversation';
import { tokenizeConversation } from '../src/masks/tokenize-conversation';
import { loadLlama2Tokenizer } from '../src/tokenizers/llama2-tokenizer';
import { validateDataset } from '../src/validate/validate-dataset';
import { generateLlavaRecords } from './generate-records';

const { values } = parseArgs({ options: { records: { type: 'string', default: '10000' }, reps: { type: 'string', default: '7' }, template: { type: 'string', default: 'vicuna_v1' }, 'hold-formatted': { type: 'boolean', default: false } } });
const holdFormatted = values['hold-formatted'];
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
// Records stream through format and tokenize one at a time, as a data loader feeds a trainer (holding
// all 10,000 formatted records first would only add garbage-collector work that no loader does).
const pipeline = () => {
  let tokens = 0;
  const t0 = cpu();
  // validateDataset is async (file checks); without a file checker it completes synchronously inside.
  let report: Awaited<ReturnType<typeof validateDataset>> | undefined;
  void validateDataset(records).then((r) => (report = r));
  const t1 = cpu();
  // per-stage split by the monotonic clock (cheap enough to call per record), scaled to the CPU total
  let formatWall = 0;
  let tokenizeWall = 0;
  if (holdFormatted) {
    // the previous structure: format every record first, keep them all, then tokenize
    const a = performance.now();
    const all = records.map((r, row) => formatConversation(r, { template, row }));
    const b = performance.now();
    for (const f of all) tokens += tokenizeConversation(f, fresh).inputIds.length;
    formatWall += b - a;
    tokenizeWall += performance.now() - b;
  }
  for (let row = 0; row < (holdFormatted ? 0 : records.length); row++) {
    const a = performance.now();
    const formatted: FormattedConversation = formatConversation(records[row]!, { template, row });
    const b = performance.now();
    tokens += tokenizeConversation(formatted, fresh).inputIds.length;
    formatWall += b - a;
    tokenizeWall += performance.now() - b;
  }
  const t3 = cpu();
  validateSeconds += (t1 - t0) / 1000;
  const rest = (t3 - t1) / 1000;
  formatSeconds += (rest * formatWall) / (formatWall + tokenizeWall);
  tokenizeSeconds += (rest * tokenizeWall) / (formatWall + tokenizeWall);
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
  // alternate which of the two goes first, so neither always runs on a heap the other has just churned
  for (const name of i % 2 === 0 ? (['wrapped', 'pipeline'] as const) : (['pipeline', 'wrapped'] as const)) {
    fresh = await loadLlama2Tokenizer();
    const r = record(name, time(name === 'wrapped' ? wrapped : pipeline));
    if (name === 'pipeline') tokens = r.tokens;
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rawS = median(results.raw!);

console.log(`${count} records (1-3 rounds = 2-6 turns), template ${template}, ${chars.toLocaleString('en')} characters, ${tokens.toLocaleString('en')} tokens`);
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, Node ${process.version}; median of ${reps} interleaved runs (the library row: 1 run)${holdFormatted ? '; all records formatted first and held' : '; records streamed through format + tokenize'}\n`);
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
// Load from other processes drifts during a run; each pipeline run sits next to one encode run, so the
// median of the per-pair ratios is steadier than the ratio of the two medians.
const ratios = results.pipeline!.map((p, k) => p / results.wrapped![k]! - 1);
console.log(`\nper-pair overhead of the pipeline over Tokenizer.encode (adjacent runs): ${ratios.map((r) => `${(r * 100).toFixed(1)} %`).join(', ')}; median ${(median(ratios) * 100).toFixed(1)} %`);
console.log(`CPU seconds of each run: Tokenizer.encode ${results.wrapped!.map((x) => x.toFixed(2)).join(', ')}; pipeline ${results.pipeline!.map((x) => x.toFixed(2)).join(', ')}`);
console.log(`pipeline breakdown (format/tokenize split of their CPU time by wall-clock share), CPU seconds summed over ${reps} runs: validate ${validateSeconds.toFixed(2)} s, format ${formatSeconds.toFixed(2)} s, tokenize + labels ${tokenizeSeconds.toFixed(2)} s`);
