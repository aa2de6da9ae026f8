// Benchmark: samples/s through the teacher engine vs raw `openai` SDK calls, same server, same run.
// Run: pnpm --filter @vlm/datagen bench   (node --conditions=@vlm/source --import tsx bench/teacher-throughput.ts)
// Env: BENCH_REQUESTS (400), BENCH_ROUNDS (3), BENCH_CONCURRENCY (1,8,64), BENCH_MODES (raw,engine-fsync,engine-write), BENCH_NO_REPLAY.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

import OpenAI from 'openai';

import { createPromptAccepter, createScenes, createTeacher, llavaInstructTasks, runGeneration, type AnnotatedImage, type PromptTask } from '../src/index';

const perConfig = Number(process.env.BENCH_REQUESTS ?? 400);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const concurrencies = (process.env.BENCH_CONCURRENCY ?? '1,8,64').split(',').map(Number);
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

/** CPU time (user + system) of this process in ms since `from`. */
const cpuMs = (from: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
};

async function runMode(mode: Mode, baseURL: string, raw: OpenAI, c: number, label: string): Promise<{ rate: number; cpuPerRequest: number; replayRate?: number }> {
  const tasks = tasksFor(label, perConfig);
  if (mode === 'raw') {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await pool(tasks, c, (t) => raw.chat.completions.create({ model: 'gpt-4o-mini', messages: t.messages, ...t.params } as never));
    return { rate: (perConfig / (performance.now() - t0)) * 1000, cpuPerRequest: cpuMs(cpu0) / perConfig };
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const durability = mode === 'engine-fsync' ? 'fsync' : 'write';
  const teacher = createTeacher({ baseURL, apiKey: 'bench', model: 'gpt-4o-mini', cacheDir: join(dir, 'cache'), concurrency: c, durability, env: {} });
  try {
    const cpu0 = process.cpuUsage();
    let t0 = performance.now();
    const result = await runGeneration({ teacher, tasks, outDir: dir, durability, accept: createPromptAccepter({ seed: 1 }) });
    const rate = (perConfig / (performance.now() - t0)) * 1000;
    const cpuPerRequest = cpuMs(cpu0) / perConfig;
    if (result.accepted !== perConfig) throw new Error(`expected ${perConfig} accepted, got ${JSON.stringify(result)}`);
    if (process.env.BENCH_NO_REPLAY) return { rate, cpuPerRequest };
    // The same job again with its outputs gone: every answer from the disk cache (a resumed run).
    rmSync(join(dir, 'samples.jsonl'));
    t0 = performance.now();
    await runGeneration({ teacher, tasks, outDir: dir, durability, accept: createPromptAccepter({ seed: 1 }) });
    return { rate, cpuPerRequest, replayRate: (perConfig / (performance.now() - t0)) * 1000 };
  } finally {
    await teacher.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The engine's own CPU per request, free of HTTP and of other processes' noise: the same job through
 * `runGeneration` + `createTeacher` with the SDK client replaced by an in-process stub that answers at
 * once (what remains is hashing, the semaphore, cache and samples appends, parsing and filtering).
 */
async function engineOwnCpu(durability: 'fsync' | 'write'): Promise<number> {
  const tasks = tasksFor(`stub-${durability}`, perConfig);
  const stub = {
    chat: {
      completions: {
        create: async (body: { messages: Array<{ content: string }> }) => ({
          id: 'stub',
          object: 'chat.completion',
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: `Question:\nWhat is in the image?\n===\nAnswer:\n${body.messages.at(-1)!.content.split('\n')[0]}\n===\nQuestion:\nWhat is the background?\n===\nAnswer:\nA plain, light background.` } }],
          usage: { prompt_tokens: 1200, completion_tokens: 40 },
        }),
      },
    },
  } as unknown as OpenAI;
  const dir = mkdtempSync(join(tmpdir(), 'bench-stub-'));
  const teacher = createTeacher({ model: 'gpt-4o-mini', client: stub, cacheDir: join(dir, 'cache'), concurrency: 64, durability, env: {} });
  try {
    const cpu0 = process.cpuUsage();
    const result = await runGeneration({ teacher, tasks, outDir: dir, durability, accept: createPromptAccepter({ seed: 1 }) });
    if (result.accepted !== perConfig) throw new Error(`expected ${perConfig} accepted, got ${JSON.stringify(result)}`);
    return cpuMs(cpu0) / perConfig;
  } finally {
    await teacher.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const server = await startServer();
  // The SDK's default 2 retries: a keep-alive socket the server closed while idle (seconds between modes on a
  // loaded machine) is retried, as the engine retries connection errors; no retry happens otherwise.
  const raw = new OpenAI({ baseURL: server.baseURL, apiKey: 'bench', maxRetries: 2 });
  const rows: string[] = [];
  const modes = (process.env.BENCH_MODES ?? 'raw,engine-fsync,engine-write').split(',') as Mode[];
  try {
    await pool(tasksFor('warm', 100), 8, (t) => raw.chat.completions.create({ model: 'gpt-4o-mini', messages: t.messages, ...t.params } as never));
    for (const c of concurrencies) {
      const rates: Record<Mode, number[]> = { raw: [], 'engine-fsync': [], 'engine-write': [] };
      const cpu: Record<Mode, number[]> = { raw: [], 'engine-fsync': [], 'engine-write': [] };
      const replay: number[] = [];
      for (let round = 0; round < rounds; round++) {
        // Rotate the order each round so load from other work on the machine hits every mode alike.
        for (let k = 0; k < modes.length; k++) {
          const mode = modes[(k + round) % modes.length]!;
          const r = await runMode(mode, server.baseURL, raw, c, `${mode}-${c}-${round}`);
          rates[mode].push(r.rate);
          cpu[mode].push(r.cpuPerRequest);
          if (r.replayRate !== undefined && mode === 'engine-fsync') replay.push(r.replayRate);
        }
      }
      const cell = (mode: Mode) => {
        if (rates[mode].length === 0) return '–';
        const rate = median(rates[mode]);
        // Each round measures every mode back to back: the ratio of a round's pair, then the median,
        // cancels most of the load other processes put on the machine.
        const share = mode !== 'raw' && rates.raw.length === rates[mode].length ? ` = ${(median(rates[mode].map((r, i) => r / rates.raw[i]!)) * 100).toFixed(0)} %` : '';
        return `${rate.toFixed(0)}${share}`;
      };
      const cpuCell = (mode: Mode) => {
        if (cpu[mode].length === 0) return '–';
        const own = median(cpu[mode]);
        const added = mode !== 'raw' && cpu.raw.length === cpu[mode].length ? ` (${signed(median(cpu[mode].map((x, i) => x - cpu.raw[i]!)))})` : '';
        return `${own.toFixed(2)}${added}`;
      };
      rows.push(
        `| ${c} | ${cell('raw')} | ${cell('engine-fsync')} | ${cell('engine-write')} | ${cpuCell('raw')} | ${cpuCell('engine-fsync')} | ${cpuCell('engine-write')} | ${replay.length > 0 ? median(replay).toFixed(0) : '–'} |`,
      );
      console.error(rows[rows.length - 1]);
    }
  } finally {
    server.stop();
  }
  const own: Record<'fsync' | 'write', number[]> = { fsync: [], write: [] };
  for (let round = 0; round < rounds; round++) for (const d of ['fsync', 'write'] as const) own[d].push(await engineOwnCpu(d));
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`requests per measurement: ${perConfig}, median of ${rounds} rounds; node ${process.version}; ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'})`);
  console.log('| concurrency | raw SDK samples/s | engine fsync samples/s (= % of raw) | engine write-only samples/s (= % of raw) | raw CPU ms/request | engine fsync CPU ms/request (added) | engine write-only CPU ms/request (added) | cached replay samples/s |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  console.log('');
  console.log(`engine's own CPU per request, HTTP replaced by an instant in-process stub (median of ${rounds}): fsync ${median(own.fsync).toFixed(3)} ms, write-only ${median(own.write).toFixed(3)} ms`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
