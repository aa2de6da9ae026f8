// Training steps of small models, the sizes of the shapes demo's towers, on wasm at 1 and 2 threads and on
// tfjs-node at 1 and 2 threads: where per-op overhead and thread hand-offs, not arithmetic, set the pace.
// Each configuration runs in its own process (threads are fixed when a backend starts), one after the
// other; ms per step are medians over rounds of steps after a warm-up.
// Run: pnpm --filter @vlm/connectors bench:small [-- --rounds 5]
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { TransformerSize } from './small-transformer';

const MODELS: { name: string; size: TransformerSize; steps: number }[] = [
  { name: 'width 64, 4 heads, 3 layers, seq 17, batch 16, vocab 64 (like the demo vision tower)', size: { width: 64, heads: 4, layers: 3, seq: 17, batch: 16, vocab: 64 }, steps: 20 },
  { name: 'width 96, 4 heads, 2 layers, seq 150, batch 16, vocab 1024 (like the demo LM)', size: { width: 96, heads: 4, layers: 2, seq: 150, batch: 16, vocab: 1024 }, steps: 4 },
];
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  const value = i < 0 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${name} needs a whole number >= 1, got "${process.argv[i + 1] ?? ''}"`);
    process.exit(2);
  }
  return value;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

const child = process.argv.indexOf('--child');
if (child >= 0) {
  // One configuration: `--child wasm|node threads rounds`; prints one JSON line of ms per step per model.
  const [kind, threadsArg, roundsArg] = process.argv.slice(child + 1) as [string, string, string];
  const threads = Number(threadsArg);
  if (kind === 'node') {
    process.env.TF_NUM_INTRAOP_THREADS = String(threads);
    process.env.TF_NUM_INTEROP_THREADS = String(threads);
  }
  const tf = await import('@tensorflow/tfjs-core');
  const { selectBackend } = await import('../src/index');
  const { createTrainingStep } = await import('./small-transformer');
  const choice = await selectBackend({ force: kind as 'wasm' | 'node', wasmThreads: threads, log: () => {} });
  const result: number[] = [];
  for (const model of MODELS) {
    const m = createTrainingStep(model.size, 1);
    for (let i = 0; i < 3; i++) m.step();
    const perStep: number[] = [];
    for (let r = 0; r < Number(roundsArg); r++) {
      const t = performance.now();
      for (let i = 0; i < model.steps; i++) m.step();
      perStep.push((performance.now() - t) / model.steps);
    }
    result.push(median(perStep));
    m.dispose();
  }
  console.log(JSON.stringify({ backend: tf.getBackend(), threads: choice.threads ?? threads, ms: result }));
  process.exit(0);
}

const rounds = arg('rounds', 5);
const configs: [string, number][] = [
  ['wasm', 1],
  ['wasm', 2],
  ['node', 1],
  ['node', 2],
];
console.log(`\n## Small models: ms per training step (median of ${rounds} rounds)`);
console.log(`node ${process.version}, ${os.cpus().length} cpus (${os.cpus()[0]?.model.trim() ?? '?'}), load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at start`);
const rows: string[][] = MODELS.map((m) => [m.name]);
const header = ['model'];
for (const [kind, threads] of configs) {
  const run = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', kind, String(threads), String(rounds)], { encoding: 'utf8' });
  const line = run.stdout.trim().split('\n').pop() ?? '';
  const label = `${kind === 'node' ? 'tfjs-node' : 'wasm'}, ${threads} thread${threads > 1 ? 's' : ''}`;
  header.push(label);
  if (run.status !== 0 || !line.startsWith('{')) {
    // tfjs-node not set up (node scripts/setup-native.mjs) or threads unavailable: say so in the cell
    rows.forEach((r) => r.push('not run'));
    console.log(`${label}: not run (${(run.stderr || run.stdout).trim().split('\n').pop() ?? ''})`);
    continue;
  }
  const out = JSON.parse(line) as { ms: number[]; threads: number };
  rows.forEach((r, i) => r.push(`${(out.ms[i] as number).toFixed(1)}${kind === 'wasm' && out.threads !== threads ? ` (ran on ${out.threads})` : ''}`));
}
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at end`);
