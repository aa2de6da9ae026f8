// Benchmark: samples/s through the teacher engine vs raw `openai` SDK calls, same server, same run.
// Run: pnpm --filter @vlm/datagen bench   (node --conditions=@vlm/source --import tsx bench/teacher-throughput.ts)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

import OpenAI from 'openai';

import { createPromptAccepter, createScenes, createTeacher, llavaInstructTasks, runGeneration, type AnnotatedImage, type PromptTask } from '../src/index';

const perConfig = Number(process.env.BENCH_REQUESTS ?? 400);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const concurrencies = [1, 8, 64];
const root = resolve(import.meta.dirname, '../../..');

async function startServer(): Promise<{ baseURL: string; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'packages/testkit/src/bin/serve.ts'), '--handler', join(import.meta.dirname, 'bench-handler.ts')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((done) => createInterface({ input: child.stdout! }).once('line', done));
  return { baseURL: (JSON.parse(line) as { baseURL: string }).baseURL, stop: () => child.kill('SIGTERM') };
}

function tasksFor(label: string, n: number): PromptTask[] {
  // Real LLaVA conversation prompts (system + few-shot + captions), unique per run so nothing is cached.
  const images: AnnotatedImage[] = createScenes({ count: n, seed: label.length * 7919 + n, size: 64 }).map((s, i) => ({
    id: `${label}-${i}`,
    fileName: s.image,
    width: s.width,
    height: s.height,
    captions: s.captions.map((c) => `${c} (${label} ${i})`),
    objects: s.objects.map((o) => ({ category: o.shape, box: [o.box[0], o.box[1], o.box[2] - o.box[0], o.box[3] - o.box[1]] })),
  }));
  return [...llavaInstructTasks(images, { kinds: ['conversation'] })];
}

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

type Mode = 'raw' | 'engine-fsync' | 'engine-write';

async function runMode(mode: Mode, baseURL: string, raw: OpenAI, c: number, label: string): Promise<{ rate: number; replayRate?: number }> {
  const tasks = tasksFor(label, perConfig);
  if (mode === 'raw') {
    const t0 = performance.now();
    await pool(tasks, c, (t) => raw.chat.completions.create({ model: 'gpt-4o-mini', messages: t.messages, ...t.params } as never));
    return { rate: (perConfig / (performance.now() - t0)) * 1000 };
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const durability = mode === 'engine-fsync' ? 'fsync' : 'write';
  const teacher = createTeacher({ baseURL, apiKey: 'bench', model: 'gpt-4o-mini', cacheDir: join(dir, 'cache'), concurrency: c, durability, env: {} });
  try {
    let t0 = performance.now();
    const result = await runGeneration({ teacher, tasks, outDir: dir, concurrency: c, durability, accept: createPromptAccepter({ seed: 1 }) });
    const rate = (perConfig / (performance.now() - t0)) * 1000;
    if (result.accepted !== perConfig) throw new Error(`expected ${perConfig} accepted, got ${JSON.stringify(result)}`);
    // The same job again with its outputs gone: every answer from the disk cache (a resumed run).
    rmSync(join(dir, 'samples.jsonl'));
    t0 = performance.now();
    await runGeneration({ teacher, tasks, outDir: dir, concurrency: c, durability, accept: createPromptAccepter({ seed: 1 }) });
    return { rate, replayRate: (perConfig / (performance.now() - t0)) * 1000 };
  } finally {
    await teacher.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const server = await startServer();
  const raw = new OpenAI({ baseURL: server.baseURL, apiKey: 'bench', maxRetries: 0 });
  const rows: string[] = [];
  const modes: Mode[] = ['raw', 'engine-fsync', 'engine-write'];
  try {
    await pool(tasksFor('warm', 100), 8, (t) => raw.chat.completions.create({ model: 'gpt-4o-mini', messages: t.messages, ...t.params } as never));
    for (const c of concurrencies) {
      const rates: Record<Mode, number[]> = { raw: [], 'engine-fsync': [], 'engine-write': [] };
      const replay: number[] = [];
      for (let round = 0; round < rounds; round++) {
        // Rotate the order each round so load from other work on the machine hits every mode alike.
        for (let k = 0; k < modes.length; k++) {
          const mode = modes[(k + round) % modes.length]!;
          const r = await runMode(mode, server.baseURL, raw, c, `${mode}-${c}-${round}`);
          rates[mode].push(r.rate);
          if (r.replayRate !== undefined && mode === 'engine-fsync') replay.push(r.replayRate);
        }
      }
      const rawRate = median(rates.raw);
      const fsyncRate = median(rates['engine-fsync']);
      const writeRate = median(rates['engine-write']);
      const overhead = (rate: number) => (1000 / rate - 1000 / rawRate).toFixed(2);
      rows.push(
        `| ${c} | ${rawRate.toFixed(0)} | ${fsyncRate.toFixed(0)} (${overhead(fsyncRate)} ms) | ${writeRate.toFixed(0)} (${overhead(writeRate)} ms) | ${median(replay).toFixed(0)} |`,
      );
      console.error(rows[rows.length - 1]);
    }
  } finally {
    server.stop();
  }
  console.log(`requests per measurement: ${perConfig}, median of ${rounds} rounds; node ${process.version}; ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'})`);
  console.log('| concurrency | raw SDK samples/s | engine, fsync (overhead per request) | engine, write only (overhead per request) | engine, cached replay samples/s |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
