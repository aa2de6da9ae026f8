// Throughput of the eval metrics against upstream-style baselines, on seeded synthetic data.
// Run: pnpm --filter @vlm/eval bench
import { createRng } from '@vlm/core';
import { barChartSvg, normalizeAnswerWords, parseChoiceLetter, parseJudgeScores, parseScienceQaAnswer, scoreOpenAnswer, svgToPng } from '../src/index';

const rng = createRng(7);
const WORDS = ['the', 'two', 'necrotic', 'foci', 'cells', 'nucleus', 'a', 'large', 'tumour', 'yes', 'no', 'normal', 'three', 'stain', 'H&E', 'mitotic'];
const sentence = (n: number) => Array.from({ length: n }, () => rng.pick(WORDS)).join(' ') + rng.pick(['.', '!', '', ',']);

function time(label: string, n: number, fn: () => void): { label: string; perSecond: number } {
  fn(); // warm-up
  const start = performance.now();
  fn();
  const ms = performance.now() - start;
  return { label, perSecond: Math.round((n / ms) * 1000) };
}

// Upstream LLaVA-Bench parsing: first line, commas -> spaces, two floats else [-1, -1].
function upstreamJudgeParse(review: string): [number, number] {
  try {
    const sp = (review.split('\n')[0] ?? '').replace(/,/g, ' ').split(' ').filter((s) => s !== '');
    if (sp.length === 2) return [Number.parseFloat(sp[0]!), Number.parseFloat(sp[1]!)];
    return [-1, -1];
  } catch {
    return [-1, -1];
  }
}

// Upstream LLaVA-Med open recall: lower-case, whitespace split, set overlap; no article/number handling.
function upstreamRecall(pred: string, ref: string): number {
  const p = new Set(pred.toLowerCase().split(/\s+/));
  const r = ref.toLowerCase().split(/\s+/).filter(Boolean);
  return r.filter((w) => p.has(w)).length / Math.max(1, r.length);
}

const N = 50_000;
const judgeOutputs = Array.from({ length: N }, () =>
  rng.pick([`${1 + rng.int(10)} ${1 + rng.int(10)}\n${sentence(40)}`, `${1 + rng.int(10)}, ${1 + rng.int(10)}\n${sentence(40)}`, `${sentence(8)}\n8 6`, `${1 + rng.int(10)}\n${sentence(20)}`]),
);
const pairs = Array.from({ length: N }, () => [sentence(12), `${sentence(3)} tumour`] as const);
const letters = Array.from({ length: N }, () => rng.pick(['B', 'A. shark', `${sentence(10)} The answer is C.`, sentence(12), "I'd go with 'D'", 'option B']));

const rows = [
  time('judge scores: strict parse (ours)', N, () => judgeOutputs.forEach((o) => parseJudgeScores(o))),
  time('judge scores: upstream loose parse (baseline)', N, () => judgeOutputs.forEach((o) => upstreamJudgeParse(o))),
  time('open answer: normalised multiset P/R/F1 (ours)', N, () => pairs.forEach(([p, r]) => scoreOpenAnswer(p, r))),
  time('open answer: upstream set recall (baseline)', N, () => pairs.forEach(([p, r]) => upstreamRecall(p, r))),
  time('normalizeAnswerWords', N, () => pairs.forEach(([p]) => normalizeAnswerWords(p))),
  time('ScienceQA answer parse', N, () => letters.forEach((l) => parseScienceQaAnswer(l))),
  time('PMC-VQA letter cascade', N, () => letters.forEach((l) => parseChoiceLetter(l, 4))),
];
let failedOurs = 0, bogusUpstream = 0;
for (const o of judgeOutputs) {
  if (!parseJudgeScores(o).ok) failedOurs++;
  const u = upstreamJudgeParse(o);
  if (u[0] === -1 || Number.isNaN(u[0]) || Number.isNaN(u[1])) bogusUpstream++;
}

const spec = { title: 'bench', series: ['a', 'b', 'c'], groups: Array.from({ length: 8 }, (_, i) => ({ label: `g${i}`, values: [rng.next() * 100, rng.next() * 100, null] })) };
const pngStart = performance.now();
for (let i = 0; i < 5; i++) await svgToPng(barChartSvg(spec));
const pngMs = (performance.now() - pngStart) / 5;

console.log(`| operation | items/s |\n| --- | ---: |`);
for (const r of rows) console.log(`| ${r.label} | ${r.perSecond.toLocaleString('en-US')} |`);
console.log(`| bar chart SVG -> PNG (sharp) | ${pngMs.toFixed(1)} ms per chart |`);
console.log(`\njudge outputs: ${N}; strict parse failures (retried, then counted): ${failedOurs}; upstream -1/NaN scores that would be averaged in: ${bogusUpstream}`);
