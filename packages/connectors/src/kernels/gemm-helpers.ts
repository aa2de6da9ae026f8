// Helper threads for the toolkit's gemm on tfjs-backend-wasm's threaded build in Node: each helper is a
// `worker_threads` Worker that instantiates the same gemm module over the backend's shared memory and
// computes a band of output rows when the main thread posts one through a control block in that memory
// (Atomics.wait / notify). Node only: the main thread blocks in Atomics.wait, which browsers forbid there.
import { gemmWat } from './gemm-wat';
import { assembleWat } from './wat-assembler';
import type { EmscriptenHeap } from './wasm-module-on-heap';

// Polls of the control word before a thread sleeps in Atomics.wait.
const SPIN = 1 << 18;

type NodeWorker = { unref(): void; terminate(): Promise<number> };
type WorkerThreads = { Worker: new (code: string, options: { eval: true; workerData: unknown }) => NodeWorker };

// The helper's loop (CommonJS, eval'd). Control block (int32 words): [0] job number (-1 ends), [1] last
// job done, [2..12] the gemm's arguments.
const HELPER = `
const { workerData } = require('node:worker_threads');
const { memory, bytes, ctrl } = workerData;
const { gemm } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
const base = ctrl >> 2;
const spin = workerData.spin;
let seen = 0;
for (;;) {
  // poll a while before sleeping: a woken thread tends to be queued on the waking thread's core
  let I = new Int32Array(memory.buffer);
  for (let i = 0; i < spin && Atomics.load(I, base) === seen; i++);
  Atomics.wait(I, base, seen);
  I = new Int32Array(memory.buffer);
  seen = Atomics.load(I, base);
  if (seen < 0) break;
  gemm(I[base + 2], I[base + 3], I[base + 4], I[base + 5], I[base + 6], I[base + 7], I[base + 8], I[base + 9], I[base + 10], I[base + 11], I[base + 12]);
  Atomics.store(I, base + 1, seen);
  Atomics.notify(I, base + 1);
}
`;

/** Helper threads bound to one shared wasm memory. */
export class GemmHelpers {
  private job = 0;

  private constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly controls: number[],
    /** 128-byte scratch tiles, one per helper. */
    readonly scratch: number[],
  ) {}

  /** Starts `count` helpers over `memory`, or returns undefined where Node's worker_threads are not at hand. */
  static start(heap: EmscriptenHeap, memory: WebAssembly.Memory, count: number): GemmHelpers | undefined {
    const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
    const threads = getBuiltin?.('node:worker_threads') as WorkerThreads | undefined;
    if (!threads || count < 1) return undefined;
    const bytes = assembleWat(gemmWat(true));
    const controls: number[] = [];
    const scratch: number[] = [];
    for (let h = 0; h < count; h++) {
      const ctrl = heap._malloc(64 + 128);
      new Int32Array(memory.buffer, ctrl, 16).fill(0);
      controls.push(ctrl);
      scratch.push(ctrl + 64);
      new threads.Worker(HELPER, { eval: true, workerData: { memory, bytes, ctrl, spin: SPIN } }).unref();
    }
    return new GemmHelpers(memory, controls, scratch);
  }

  /** Number of helper threads. */
  get count(): number {
    return this.controls.length;
  }

  /** Posts one gemm call (its 11 arguments) to each helper that has one; `undefined` leaves a helper idle. */
  post(args: (number[] | undefined)[]): void {
    const I = new Int32Array(this.memory.buffer);
    this.job++;
    this.controls.forEach((ctrl, h) => {
      const a = args[h];
      if (!a) return;
      I.set(a, ctrl / 4 + 2);
      Atomics.store(I, ctrl / 4, this.job);
      Atomics.notify(I, ctrl / 4);
    });
  }

  /** Blocks until every helper given work by the last `post` has finished it. */
  wait(args: (number[] | undefined)[]): void {
    const I = new Int32Array(this.memory.buffer);
    this.controls.forEach((ctrl, h) => {
      if (!args[h]) return;
      const at = ctrl / 4 + 1;
      for (let i = 0; i < SPIN && Atomics.load(I, at) !== this.job; i++);
      for (let done = Atomics.load(I, at); done !== this.job; done = Atomics.load(I, at)) Atomics.wait(I, at, done);
    });
  }
}
