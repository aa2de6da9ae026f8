// The connectors benchmark's training step (pre-LN GPT, width 256, 4 heads, 2 layers, seq 128, batch 8,
// vocab 1000, Adam) on wasm with the fused ops at 1 and 2 threads (worker_threads), on wasm with the
// standard-op compositions the fused ops replaced (1 thread), and in PyTorch at 1 and 2 threads; plus a
// 1024³ matmul on wasm at 1 and 2 threads. Every contender is a long-lived process; they run one at a
// time, interleaved round by round in a rotating order, so load from elsewhere on the machine falls on
// all of them alike. Wall and CPU time (all threads of each process) per step; medians over every step.
// `--baseline DIR` adds the same step from another checkout of the repository (e.g. the commit before a
// change, built with its own `node scripts/run.mjs install` and `pnpm build`), run by that checkout's
// own wasm-step-server.ts at 1 thread, interleaved like the rest.
// Run: pnpm --filter @vlm/connectors bench:wasm [-- --quick] [--rounds 6] [--steps 2] [--baseline DIR]
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startTorchStepper, torchPython } from './torch-step';

type Times = { wall: number[]; cpu: number[] };
interface Contender {
  name: string;
  steps: (n: number) => Promise<Times>;
  matmul?: (n: number) => Promise<Times>;
  close: () => void;
  step: Times;
  mm: Times;
}

const quick = process.argv.includes('--quick');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const rounds = arg('rounds', quick ? 2 : 6);
const perRound = arg('steps', 2);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

const baselineIndex = process.argv.indexOf('--baseline');
const baselineDir = baselineIndex < 0 ? undefined : path.resolve(process.argv[baselineIndex + 1] ?? '');

async function startWasm(name: string, threads: number, ops: 'fused' | 'standard', checkout?: string): Promise<Contender & { info: Record<string, unknown> }> {
  const server = checkout ? path.join(checkout, 'packages/connectors/bench/wasm-step-server.ts') : fileURLToPath(new URL('./wasm-step-server.ts', import.meta.url));
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--conditions=@vlm/source', '--import', 'tsx', server, `threads=${threads}`, `ops=${ops}`], {
    cwd: path.dirname(path.dirname(server)),
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await lines.next();
    if (line.done) throw new Error(`${name} ended: ${stderr.slice(-2000)}`);
    return JSON.parse(line.value as string) as Record<string, unknown>;
  };
  const info = await next();
  const ask = async (cmd: string) => {
    child.stdin.write(`${cmd}\n`);
    return (await next()) as unknown as Times;
  };
  return { name, info, steps: (n) => ask(`steps ${n}`), matmul: (n) => ask(`matmul ${n}`), close: () => child.stdin.end(), step: { wall: [], cpu: [] }, mm: { wall: [], cpu: [] } };
}

const python = torchPython();
const w1 = await startWasm('wasm, fused ops, 1 thread', 1, 'fused');
const w2 = await startWasm('wasm, fused ops, 2 threads', 2, 'fused');
const s1 = await startWasm('wasm, standard ops (before), 1 thread', 1, 'standard');
const contenders: Contender[] = [w1, w2, s1];
let base: Contender | undefined;
if (baselineDir) {
  base = await startWasm(`wasm, fused ops, 1 thread, baseline checkout (${path.basename(baselineDir)})`, 1, 'fused', baselineDir);
  contenders.push(base);
}
let torchVersion = 'not run (no Python with torch; node scripts/setup-python.mjs)';
if (python) {
  for (const threads of [1, 2]) {
    const t = await startTorchStepper(python, { width: 256, heads: 4, layers: 2, seq: 128, batch: 8, vocab: 1000 }, threads);
    torchVersion = t.version;
    contenders.push({ name: `PyTorch ${t.version}, ${t.threads} thread${t.threads > 1 ? 's' : ''}`, steps: t.steps, close: t.close, step: { wall: [], cpu: [] }, mm: { wall: [], cpu: [] } });
  }
}
const loadStart = load();
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < contenders.length; i++) {
    const c = contenders[(i + r) % contenders.length]!;
    const s = await c.steps(perRound);
    c.step.wall.push(...s.wall);
    c.step.cpu.push(...s.cpu);
    if (c.matmul && c !== s1) {
      const m = await c.matmul(3);
      c.mm.wall.push(...m.wall);
      c.mm.cpu.push(...m.cpu);
    }
  }
}
for (const c of contenders) c.close();

console.log(`\n## Training step on wasm (1 and 2 threads) vs PyTorch ${torchVersion}, interleaved (${rounds} rounds x ${perRound} steps)`);
console.log(`node ${process.version}, tfjs 4.22.0 wasm (SIMD; 2 threads = threaded SIMD build on worker_threads${w2.info.threadsFallback ? `, FELL BACK: ${String(w2.info.threadsFallback)}` : ''}), ${os.cpus().length} cpus (${os.cpus()[0]?.model}), load average ${loadStart} at start, ${load()} at end`);
console.log('| contender | steps | median wall ms/step | range | median CPU ms/step |');
console.log('|---|---|---|---|---|');
for (const c of contenders) {
  console.log(`| ${c.name} | ${c.step.wall.length} | ${median(c.step.wall).toFixed(0)} | ${Math.min(...c.step.wall).toFixed(0)}–${Math.max(...c.step.wall).toFixed(0)} | ${median(c.step.cpu).toFixed(0)} |`);
}
const ratio = (a: Times, b: Times) => `${(median(a.wall) / median(b.wall)).toFixed(2)}x wall, ${(median(a.cpu) / median(b.cpu)).toFixed(2)}x CPU`;
const [p1, p2] = contenders.filter((c) => c.name.startsWith('PyTorch'));
if (p1 && p2) console.log(`wasm / PyTorch (target: within 3x): 1 thread ${ratio(w1.step, p1.step)}; 2 threads ${ratio(w2.step, p2.step)}`);
console.log(`wasm 1 thread / 2 threads (target: at least 1.6x): training step ${(median(w1.step.wall) / median(w2.step.wall)).toFixed(2)}x, 1024³ matmul ${(median(w1.mm.wall) / median(w2.mm.wall)).toFixed(2)}x (median ${median(w1.mm.wall).toFixed(0)} vs ${median(w2.mm.wall).toFixed(0)} ms)`);
console.log(`standard ops / fused ops, 1 thread: ${ratio(s1.step, w1.step)}`);
if (base) console.log(`baseline checkout / this checkout, fused ops, 1 thread: ${ratio(base.step, w1.step)}; 1024³ matmul ${(median(base.mm.wall) / median(w1.mm.wall)).toFixed(2)}x wall (median ${median(base.mm.wall).toFixed(0)} vs ${median(w1.mm.wall).toFixed(0)} ms)`);
if (base && p1) console.log(`baseline checkout / PyTorch, 1 thread: ${ratio(base.step, p1.step)}`);
