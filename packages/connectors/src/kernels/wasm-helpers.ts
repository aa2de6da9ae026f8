// Helper threads for the toolkit's wasm functions on tfjs-backend-wasm's threaded build in Node: each
// helper is a `worker_threads` Worker that instantiates the gemm module (gemm-wat.ts) and the
// element-wise module (simd-wat.ts) over the backend's shared memory, and runs one call, or a run of
// calls whose arguments advance by fixed strides, when the main thread posts it through a control block
// in that memory (Atomics.wait / notify). The products take bands of rows (or the items of a batch) and
// the element-wise kernels bands of rows this way. Node only: the main thread blocks in Atomics.wait,
// which browsers forbid there.
import { gemmWat, MR_FUSED, NR } from './gemm-wat';
import { fusedMultiplyAdd } from './relaxed-simd';
import { simdWat } from './simd-wat';
import { assembleWat } from './wat-assembler';
import type { EmscriptenHeap } from './wasm-module-on-heap';

// Polls of the control word before a thread sleeps in Atomics.wait.
const SPIN = 1 << 18;
/** Most int32 arguments of one posted function. */
const MAX_ARGS = 14;
/** Most jobs one helper runs, in order, per post. */
const MAX_JOBS = 4;
/** The functions a helper runs, by index in the control block: the gemm module's, then the element-wise ones. */
export const HELPER_FUNCTIONS = ['gemm', 'packARows', 'packACols', 'packBRows', 'packBCols', 'biasGelu', 'geluGrad', 'swiglu', 'swigluGrad', 'rotary', 'normForward', 'softmaxGrad', 'rowMaxSumExp', 'softmaxScaled', 'adamw'] as const;
export type HelperFunction = (typeof HELPER_FUNCTIONS)[number];

// Control block (int32 words): [0] post number (-1 ends), [1] last post done, [2] jobs, then per job
// [function index, calls, arguments, bit mask of the float32 arguments, MAX_ARGS arguments, MAX_ARGS
// strides added to the int32 arguments after each call].
const JOBS = 3;
const JOB_WORDS = 4 + 2 * MAX_ARGS;
// rounded up to whole 64-byte lines: the scratch tile after it stays aligned and on lines of its own
const CONTROL_BYTES = Math.ceil((4 * (JOBS + MAX_JOBS * JOB_WORDS)) / 64) * 64;
// the gemm's partial-tile scratch (up to MR_FUSED x NR floats), in whole 64-byte lines
const SCRATCH_BYTES = Math.ceil((4 * MR_FUSED * NR) / 64) * 64;

type NodeWorker = { unref(): void; terminate(): Promise<number> };
type WorkerThreads = { Worker: new (code: string, options: { eval: true; workerData: unknown }) => NodeWorker };

// The helper's loop (CommonJS, eval'd).
const HELPER = `
const { workerData } = require('node:worker_threads');
const { memory, modules, names, ctrl, spin } = workerData;
const exports = modules.map((bytes) => new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports);
const fns = names.map((name) => exports.map((e) => e[name]).find(Boolean));
const base = ctrl >> 2;
let seen = 0;
for (;;) {
  // poll a while before sleeping: a woken thread tends to be queued on the waking thread's core
  let I = new Int32Array(memory.buffer);
  for (let i = 0; i < spin && Atomics.load(I, base) === seen; i++);
  Atomics.wait(I, base, seen);
  I = new Int32Array(memory.buffer);
  const F = new Float32Array(memory.buffer);
  seen = Atomics.load(I, base);
  if (seen < 0) break;
  for (let j = 0, at = base + ${JOBS}; j < I[base + 2]; j++, at += ${JOB_WORDS}) {
    const fn = fns[I[at]];
    const calls = I[at + 1];
    const n = I[at + 2];
    const floats = I[at + 3];
    const args = Array.from({ length: n }, (_, a) => ((floats >> a) & 1 ? F[at + 4 + a] : I[at + 4 + a]));
    const strides = I.subarray(at + 4 + ${MAX_ARGS}, at + 4 + ${MAX_ARGS} + n);
    for (let c = 0; c < calls; c++) {
      fn(...args);
      for (let a = 0; a < n; a++) args[a] += strides[a];
    }
  }
  Atomics.store(I, base + 1, seen);
  Atomics.notify(I, base + 1);
}
`;

/** One job: a function, its int32 arguments, and optionally more calls with arguments advanced by `strides`. */
export interface HelperJob {
  fn: HelperFunction;
  /** int32 arguments (byte offsets, counts), or float32 ones at the indices in `floats`. */
  args: number[];
  /** Indices of the float32 arguments (never advanced by `strides`). */
  floats?: number[];
  calls?: number;
  strides?: number[];
}

/** What one thread runs per post: jobs in order (a single job, or several). */
export type HelperWork = HelperJob | HelperJob[];

const jobsOf = (work: HelperWork): HelperJob[] => (Array.isArray(work) ? work : [work]);

/** Helper threads bound to one shared wasm memory. */
export class WasmHelpers {
  private post = 0;

  private constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly controls: number[],
    /** Partial-tile scratch of the gemm, one per helper. */
    readonly scratch: number[],
    /** Whether the helpers' gemm fuses multiply-adds (its tile height follows). */
    readonly fused: boolean,
  ) {}

  /** Starts `count` helpers over `memory`, or returns undefined where Node's worker_threads are not at hand. */
  static start(heap: EmscriptenHeap, memory: WebAssembly.Memory, count: number, fused = fusedMultiplyAdd()): WasmHelpers | undefined {
    const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
    const threads = getBuiltin?.('node:worker_threads') as WorkerThreads | undefined;
    if (!threads || count < 1) return undefined;
    const modules = [assembleWat(gemmWat(true, fused)), assembleWat(simdWat(true))];
    const controls: number[] = [];
    const scratch: number[] = [];
    for (let h = 0; h < count; h++) {
      const ctrl = heap._malloc(CONTROL_BYTES + SCRATCH_BYTES);
      new Int32Array(memory.buffer, ctrl, CONTROL_BYTES / 4).fill(0);
      controls.push(ctrl);
      scratch.push(ctrl + CONTROL_BYTES);
      new threads.Worker(HELPER, { eval: true, workerData: { memory, modules, names: HELPER_FUNCTIONS, ctrl, spin: SPIN } }).unref();
    }
    return new WasmHelpers(memory, controls, scratch, fused);
  }

  /** Number of helper threads. */
  get count(): number {
    return this.controls.length;
  }

  /** Posts work to each helper that has some (`undefined` leaves a helper idle); `wait` blocks until it is done. */
  start(work: (HelperWork | undefined)[]): void {
    const I = new Int32Array(this.memory.buffer);
    const F = new Float32Array(this.memory.buffer);
    this.post++;
    this.controls.forEach((ctrl, h) => {
      const w = work[h];
      if (!w) return;
      const jobs = jobsOf(w);
      const base = ctrl / 4;
      if (jobs.length > MAX_JOBS) throw new Error(`wasm helpers: ${jobs.length} jobs in one post, at most ${MAX_JOBS}`);
      I[base + 2] = jobs.length;
      jobs.forEach((job, j) => {
        const at = base + JOBS + j * JOB_WORDS;
        const n = job.args.length;
        if (n > MAX_ARGS) throw new Error(`wasm helpers: ${job.fn} takes ${n} arguments, at most ${MAX_ARGS} fit`);
        I[at] = HELPER_FUNCTIONS.indexOf(job.fn);
        I[at + 1] = job.calls ?? 1;
        I[at + 2] = n;
        I[at + 3] = (job.floats ?? []).reduce((mask, a) => mask | (1 << a), 0);
        job.args.forEach((value, a) => {
          if (job.floats?.includes(a)) F[at + 4 + a] = value;
          else I[at + 4 + a] = value;
        });
        I.fill(0, at + 4 + MAX_ARGS, at + 4 + MAX_ARGS + n);
        if (job.strides) I.set(job.strides, at + 4 + MAX_ARGS);
      });
      Atomics.store(I, base, this.post);
      Atomics.notify(I, base);
    });
  }

  /** Blocks until every helper given work by the last `start` has finished it. */
  wait(work: unknown[]): void {
    const I = new Int32Array(this.memory.buffer);
    this.controls.forEach((ctrl, h) => {
      if (!work[h]) return;
      const at = ctrl / 4 + 1;
      for (let i = 0; i < SPIN && Atomics.load(I, at) !== this.post; i++);
      for (let done = Atomics.load(I, at); done !== this.post; done = Atomics.load(I, at)) Atomics.wait(I, at, done);
    });
  }

  /**
   * Runs `parts` (one per thread: the first on this thread through `here`, the rest on the helpers)
   * and returns when all are done.
   */
  run(parts: (HelperWork | undefined)[], here: (job: HelperJob) => void): void {
    const rest = parts.slice(1);
    if (rest.length > this.count) throw new Error(`wasm helpers: ${parts.length} parts for ${this.count + 1} threads`);
    this.start(rest);
    if (parts[0]) for (const job of jobsOf(parts[0])) here(job);
    this.wait(rest);
  }
}

/** Runs a job's calls on this thread with `fns[job.fn]`, advancing the arguments by the strides. */
export function runJobHere(fns: object, job: HelperJob): void {
  const fn = (fns as Record<string, (...args: number[]) => void>)[job.fn] as (...args: number[]) => void;
  const args = [...job.args];
  for (let c = 0; c < (job.calls ?? 1); c++) {
    fn(...args);
    if (job.strides) for (let j = 0; j < args.length; j++) args[j] = (args[j] as number) + (job.strides[j] as number);
  }
}
