// Benchmark: what formatting + loss masks cost on top of tokenising the same text. For the same
// conversations and the same real tokenizer, in the same process, interleaved:
//   raw      `tokenizer.encode(text)` of each record's rendered prompt (the text formatConversation
//            writes, computed before the runs), i.e. tokenisation alone;
//   pipeline `formatConversation(record)` + `tokenizeConversation(formatted, tokenizer)`: the prompt
//            rendered from the record, ids, character offsets, labels (loss mask), attention mask.
// Each run does the same fixed work: every record once (`--passes` times with that option), as a data
// loader's pass over a dataset, with a freshly loaded tokenizer so both pay the same word-cache misses,
// after a full garbage collection (when run with --expose-gc, as the package script does) so no run pays
// for the previous run's garbage. The number of distinct records is sized so that a raw run takes at
// least `--seconds` CPU seconds (a calibration raw run on the full set checks it and grows the set once
// if it fell short); figures are CPU time of this process (user + system), which other processes' load
// distorts far less than wall time. The target (issue 20): pipeline / raw <= 1.15.
// Two measurements: (1) `--pairs` pairs of whole runs, raw and pipeline one after the other, the order
// alternating; (2) `--interleaved` passes in which both variants walk the same records chunk by chunk
// (`--chunk` records, the order alternating per chunk), each with its own fresh tokenizer, CPU time
// summed per variant over the whole pass: load that drifts over seconds hits both alike.
// Run: pnpm --filter @vlm/core bench:format-overhead   (options: --seconds S --pairs P --interleaved K
//      --chunk C --passes K --records N (instead of sizing) --template name
//      --tokenizer llama-2|llama-2-json|<tokenizer.json path>)
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { formatConversation } from '../src/format/format-conversation';
import { tokenizeConversation } from '../src/masks/tokenize-conversation';
import { loadTokenizerJson } from '../src/node/index';
import { createHfTokenizer } from '../src/tokenizers/hf-tokenizer';
import { llama2TokenizerJson, loadLlama2Tokenizer } from '../src/tokenizers/llama2-tokenizer';
import type { Tokenizer } from '../src/tokenizers/tokenizer';
import { generateLlavaRecords } from './generate-records';

const { values } = parseArgs({
  options: {
    records: { type: 'string' },
    passes: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '10' },
    pairs: { type: 'string', default: '7' },
    interleaved: { type: 'string', default: '2' },
    chunk: { type: 'string', default: '500' },
    template: { type: 'string', default: 'vicuna_v1' },
    tokenizer: { type: 'string', default: 'llama-2' },
  },
});
const passesWanted = Number(values.passes);
const minSeconds = Number(values.seconds);
const pairs = Number(values.pairs);
const interleavedPasses = Number(values.interleaved);
const chunk = Number(values.chunk);
// A full collection before each measured run when the script runs with --expose-gc (the package script does).
const collect = (globalThis as { gc?: () => void }).gc ?? (() => {});
const utc = () => new Date().toISOString().slice(11, 19);
const template = values.template;

const json = values.tokenizer === 'llama-2-json' ? await llama2TokenizerJson() : undefined;
// A fresh tokenizer per run: no run inherits another's word cache. `<image>` is one special id, so the
// raw encode splits the prompt at each image as the pipeline does (LLaVA's tokenizer_image_token) and
// both give the same number of tokens.
const freshTokenizer = async (): Promise<Tokenizer> => {
  const base =
    values.tokenizer === 'llama-2'
      ? await loadLlama2Tokenizer()
      : json
        ? createHfTokenizer(json, { name: 'llama-2 (tokenizer.json, @huggingface/tokenizers)' })
        : await loadTokenizerJson(values.tokenizer);
  return base.withSpecialTokens(['<image>']);
};

const cpuSeconds = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

// Size the dataset: a raw pass over a sample (cold tokenizer) gives the CPU cost of one record.
let count = Number(values.records ?? 0);
let sampleSeconds = 0;
if (!count) {
  const sample = generateLlavaRecords(4000, 7);
  const sampleTexts = sample.map((r, row) => formatConversation(r, { template, row }).text);
  const tokenizer = await freshTokenizer();
  for (let i = 0; i < 300; i++) tokenizer.encode(sampleTexts[i]!); // JIT warm-up
  const fresh = await freshTokenizer();
  const c0 = cpuSeconds();
  for (const t of sampleTexts) fresh.encode(t);
  sampleSeconds = cpuSeconds() - c0;
  // a larger set hits the word cache more often than the sample, so each record costs less: 1.8x margin
  count = Math.ceil((sample.length * minSeconds * 1.8) / (sampleSeconds * passesWanted));
}
let records = generateLlavaRecords(count, 2026);
let texts = records.map((r, row) => formatConversation(r, { template, row }).text);
// The two variants; each returns the number of tokens, so neither can be optimised away.
const raw = (tokenizer: Tokenizer, passes: number) => {
  let tokens = 0;
  for (let p = 0; p < passes; p++) for (let i = 0; i < texts.length; i++) tokens += tokenizer.encode(texts[i]!).length;
  return tokens;
};
const pipeline = (tokenizer: Tokenizer, passes: number) => {
  let tokens = 0;
  for (let p = 0; p < passes; p++) {
    for (let row = 0; row < records.length; row++) {
      const t = tokenizeConversation(formatConversation(records[row]!, { template, row }), tokenizer);
      tokens += t.inputIds.length;
    }
  }
  return tokens;
};
const variants = { raw, pipeline } as const;
type Variant = keyof typeof variants;

async function run(name: Variant, passes: number): Promise<{ seconds: number; tokens: number }> {
  const tokenizer = await freshTokenizer();
  collect();
  const c0 = cpuSeconds();
  const tokens = variants[name](tokenizer, passes);
  return { seconds: cpuSeconds() - c0, tokens };
}

// Warm-up (JIT) on a slice.
{
  const tokenizer = await freshTokenizer();
  for (let i = 0; i < Math.min(500, records.length); i++) {
    tokenizer.encode(texts[i]!);
    tokenizeConversation(formatConversation(records[i]!, { template, row: i }), tokenizer);
  }
}

// Calibration: one raw run on the full set (not reported). A larger set hits the word cache more often
// than the sample, so it may fall short of the minimum; then the set grows once, in proportion.
let calibration = 0;
if (!values.records) {
  calibration = (await run('raw', passesWanted)).seconds;
  // runs of the same work vary by about +-15 % on a loaded machine: aim at 1.4x the minimum
  if (calibration < minSeconds * 1.25) {
    count = Math.ceil((count * minSeconds * 1.4) / calibration);
    records = generateLlavaRecords(count, 2026);
    texts = records.map((r, row) => formatConversation(r, { template, row }).text);
  }
}
const chars = texts.reduce((n, t) => n + t.length, 0);
const passes = passesWanted;
const tokenizerName = (await freshTokenizer()).name;

console.log(`${count.toLocaleString('en')} records (LLaVA-Instruct-like, 2-6 turns), template ${template}, tokenizer ${tokenizerName}; ${chars.toLocaleString('en')} characters per pass`);
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the start`);
console.log(`each run: ${passes === 1 ? 'every record once' : `${passes} passes over all records`}, fresh tokenizer, full GC before it${(globalThis as { gc?: unknown }).gc ? '' : ' (not available: run node with --expose-gc)'}; ${values.records ? 'records as given by --records' : `records sized from a raw pass over 4,000 sample records (${sampleSeconds.toFixed(2)} CPU s) and a calibration raw run on the set (${calibration.toFixed(2)} CPU s)`}; ${pairs} pairs, the order alternating; then ${interleavedPasses} interleaved passes in chunks of ${chunk} records`);
console.log(`started ${utc()} UTC\n`);

const results: Record<Variant, number[]> = { raw: [], pipeline: [] };
let tokensOf: Record<Variant, number> = { raw: 0, pipeline: 0 };
let shortest = Infinity;
for (let i = 0; i < pairs; i++) {
  const order: Variant[] = i % 2 === 0 ? ['raw', 'pipeline'] : ['pipeline', 'raw'];
  for (const name of order) {
    const r = await run(name, passes);
    results[name].push(r.seconds);
    shortest = Math.min(shortest, r.seconds);
    tokensOf = { ...tokensOf, [name]: r.tokens };
  }
  console.log(`pair ${i + 1}: raw ${results.raw[i]!.toFixed(2)} s, pipeline ${results.pipeline[i]!.toFixed(2)} s, ratio ${(results.pipeline[i]! / results.raw[i]!).toFixed(3)}`);
}

// Interleaved passes: both variants over the same records, chunk by chunk, each with its own fresh
// tokenizer (so each sees the same word-cache misses as in a whole run), CPU time summed per variant.
const interleavedResults: { raw: number; pipeline: number }[] = [];
for (let k = 0; k < interleavedPasses; k++) {
  const tokenizers = { raw: await freshTokenizer(), pipeline: await freshTokenizer() };
  const seconds = { raw: 0, pipeline: 0 };
  const tokens = { raw: 0, pipeline: 0 };
  collect();
  for (let from = 0, c = 0; from < records.length; from += chunk, c++) {
    const to = Math.min(records.length, from + chunk);
    const order: Variant[] = (c + k) % 2 === 0 ? ['raw', 'pipeline'] : ['pipeline', 'raw'];
    for (const name of order) {
      const tokenizer = tokenizers[name];
      let n = 0;
      const c0 = cpuSeconds();
      if (name === 'raw') for (let i = from; i < to; i++) n += tokenizer.encode(texts[i]!).length;
      else for (let row = from; row < to; row++) n += tokenizeConversation(formatConversation(records[row]!, { template, row }), tokenizer).inputIds.length;
      seconds[name] += cpuSeconds() - c0;
      tokens[name] += n;
    }
  }
  if (tokens.raw !== tokens.pipeline) throw new Error(`interleaved pass: raw gave ${tokens.raw} tokens, the pipeline ${tokens.pipeline}`);
  interleavedResults.push(seconds);
  console.log(`interleaved pass ${k + 1}: raw ${seconds.raw.toFixed(2)} s, pipeline ${seconds.pipeline.toFixed(2)} s, ratio ${(seconds.pipeline / seconds.raw).toFixed(3)}`);
}

if (tokensOf.raw !== tokensOf.pipeline) {
  // Both tokenise the same prompts: a difference means the two paths disagree, which the tests forbid.
  throw new Error(`raw gave ${tokensOf.raw} tokens, the pipeline ${tokensOf.pipeline}`);
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ratios = results.pipeline.map((p, k) => p / results.raw[k]!);
const perPass = (s: number) => s / passes;
console.log('\n| what | CPU s per run (median) | records per CPU s | tokens per CPU s |');
console.log('|---|---:|---:|---:|');
for (const [name, label] of [
  ['raw', 'raw: `tokenizer.encode(prompt)`'],
  ['pipeline', '`formatConversation` + `tokenizeConversation` (ids, offsets, labels, attention mask)'],
] as const) {
  const s = median(results[name]);
  console.log(`| ${label} | ${s.toFixed(2)} | ${Math.round(count / perPass(s)).toLocaleString('en')} | ${Math.round(tokensOf[name] / s).toLocaleString('en')} |`);
}
console.log(`\npipeline / raw, per pair: ${ratios.map((r) => r.toFixed(3)).join(', ')}; median ${median(ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)} (target <= 1.15); ratio of medians ${(median(results.pipeline) / median(results.raw)).toFixed(3)}`);
if (interleavedResults.length > 0) {
  console.log(`interleaved passes (chunks of ${chunk} records), pipeline / raw: ${interleavedResults.map((r) => (r.pipeline / r.raw).toFixed(3)).join(', ')}; CPU s raw ${interleavedResults.map((r) => r.raw.toFixed(2)).join(', ')}, pipeline ${interleavedResults.map((r) => r.pipeline.toFixed(2)).join(', ')}`);
}
if (shortest < minSeconds) console.log(`note: the shortest run took ${shortest.toFixed(2)} CPU s, under ${minSeconds} s: raise --records`);
console.log(`tokens per run ${tokensOf.raw.toLocaleString('en')}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end (${utc()} UTC)`);
