import * as tf from '@tensorflow/tfjs-core';
import { VlmError } from '@vlm/core';

/** How many XNNPACK threads the wasm backend should use: a count, or `'auto'` (one per core, at most 8). */
export type WasmThreads = number | 'auto';

/** Name of the environment variable that sets `wasmThreads` when the option is not given. */
export const WASM_THREADS_ENV_VAR = 'VLM_WASM_THREADS';

// tfjs-backend-wasm 4.22 starts 8 pthread workers and caps its thread pool at 8.
const MAX_THREADS = 8;

type EmscriptenModule = {
  cwrap(name: string, ret: string | null, args: string[]): (...args: unknown[]) => unknown;
  tfjs?: Record<string, unknown>;
};
type Factory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;
type NodeWorkerClass = new (code: string, options: { eval: boolean }) => { ref(): unknown; unref(): unknown };

/**
 * The number of threads asked for by the option, else `VLM_WASM_THREADS`, else 1 (single-threaded);
 * `'auto'` is one per logical core.
 */
export async function requestedWasmThreads(option: WasmThreads | undefined): Promise<number> {
  const fromEnv = typeof process !== 'undefined' ? process.env[WASM_THREADS_ENV_VAR] : undefined;
  const raw = option ?? (fromEnv === '' ? undefined : fromEnv) ?? 1;
  if (raw === 'auto') return Math.min(MAX_THREADS, Math.max(1, await logicalCores()));
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new VlmError('backend.threads', `wasm threads must be a whole number of at least 1 or "auto", got ${JSON.stringify(raw)}`, {
      location: { field: option === undefined ? WASM_THREADS_ENV_VAR : 'wasmThreads' },
      hint: `use 1 (single-threaded), a thread count up to ${MAX_THREADS}, or auto (one per core)`,
    });
  }
  return Math.min(MAX_THREADS, n);
}

async function logicalCores(): Promise<number> {
  if (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) return navigator.hardwareConcurrency;
  const os = (await load('node:os')) as { availableParallelism?: () => number; cpus(): unknown[] };
  return os.availableParallelism?.() ?? os.cpus().length;
}

// Variable specifiers keep browser bundlers from resolving Node-only modules and files at build time.
const load = (specifier: string): Promise<Record<string, unknown>> => import(/* @vite-ignore */ specifier);
const WASM_OUT = '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd';

/**
 * Instantiates tfjs-backend-wasm's threaded SIMD build on Node `worker_threads`. tfjs 4.22 never does this
 * in Node (it hard-wires `WASM_HAS_MULTITHREAD_SUPPORT` to false there and hands the pthread workers a
 * Blob URL, which Node's `Worker` cannot load); the emscripten glue itself supports Node. So the glue is
 * loaded from the package's `wasm-out` folder (a file path the workers can read back), each pthread worker
 * runs the package's worker script as eval'd code, and the core count the module reads when it starts is
 * set to what the thread pool needs (tfjs caps its pool at half the logical cores).
 *
 * Workers are never ref'd: a pthread blocked in the pool must not keep the user's process alive.
 */
async function instantiateThreaded(threads: number): Promise<EmscriptenModule> {
  const [{ Worker: NodeWorker }, glue, workerScript, fs] = await Promise.all([
    load('node:worker_threads') as Promise<{ Worker: NodeWorkerClass }>,
    load(`${WASM_OUT}.js`),
    load(`${WASM_OUT}.worker.js`),
    load('node:fs') as Promise<{ promises: { readFile(path: string): Promise<Uint8Array> } }>,
  ]);
  const factory = (glue.default ?? glue) as Factory;
  const script = (workerScript.default ?? workerScript) as { wasmWorkerContents: string };
  // The script is a template literal in the package: its "\n" escapes became real newlines inside strings.
  const code = script.wasmWorkerContents.replace(/\n/g, '\\n');
  class PthreadWorker extends NodeWorker {
    constructor() {
      super(code, { eval: true });
    }
    override ref(): this {
      return this;
    }
  }
  let binaryPath = '';
  // The glue assigns Node's Worker to the global `Worker` and creates its pool synchronously from it; a
  // getter that ignores the assignment hands it PthreadWorker for exactly that call, then the global is restored.
  const previous = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  Object.defineProperty(globalThis, 'Worker', { configurable: true, get: () => PthreadWorker, set: () => {} });
  let rejectInit: (error: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => (rejectInit = reject));
  let ready: Promise<EmscriptenModule>;
  try {
    ready = factory({
      // Called with the glue's own folder, so this finds the .wasm beside it.
      locateFile(file: string, folder: string) {
        if (file.endsWith('.wasm')) binaryPath = folder + file;
        return folder + file;
      },
      instantiateWasm(info: { env: Record<string, unknown> }, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) {
        // tfjs sizes its pool as min(requested, logical cores / 2), counted when the module starts.
        info.env.emscripten_num_logical_cores = () => 2 * threads;
        void fs.promises
          .readFile(binaryPath)
          .then((bytes) => WebAssembly.instantiate(bytes as unknown as ArrayBuffer, info as unknown as WebAssembly.Imports))
          .then(({ instance, module }) => receive(instance, module), rejectInit);
        return {};
      },
    });
  } finally {
    if (previous) Object.defineProperty(globalThis, 'Worker', previous);
    else delete (globalThis as { Worker?: unknown }).Worker;
  }
  const module = await Promise.race([ready, failed]);
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return module;
}

type Registration = { factory: () => tf.KernelBackend | Promise<tf.KernelBackend>; priority: number };

/**
 * Replaces the registered `wasm` backend factory with one that runs the threaded SIMD build on
 * `threads` Node worker threads, and returns a function that puts the stock factory back (for a
 * fallback when starting it fails). Call before the wasm backend is first initialised; then
 * `tf.setBackend('wasm')` starts it. Throws, changing nothing, where it cannot work.
 */
export async function registerThreadedWasmBackend(threads: number): Promise<() => void> {
  if (typeof process === 'undefined' || !process.versions?.node) throw new Error('worker threads are used only in Node');
  if (typeof SharedArrayBuffer === 'undefined') throw new Error('SharedArrayBuffer is not available');
  const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as {
    BackendWasm: new (module: EmscriptenModule) => tf.KernelBackend;
    setThreadsCount(n: number): void;
  };
  if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) throw new Error('the threaded build needs wasm SIMD');
  const engine = tf.engine() as unknown as { registry: Record<string, unknown>; registryFactory: Record<string, Registration> };
  if (engine.registry.wasm) throw new Error('the wasm backend was already started single-threaded');
  const stock = engine.registryFactory.wasm;
  if (!stock) throw new Error('tfjs-backend-wasm did not register its backend');
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      const module = await instantiateThreaded(threads);
      // The toolkit's helper threads (kernels/wasm-helpers.ts) share the products and the fused kernels,
      // sized from `vlmThreads`; XNNPACK, which runs the remaining stock kernels (adds, transposes,
      // softmax), stays on one thread: on small tensors its pool's hand-offs cost more than they save
      // (a width-64, 3-layer training step took 28 ms with it on 2 threads, 19.5 without, 17 on 1).
      (module as EmscriptenModule & { vlmThreads?: number }).vlmThreads = threads;
      wasm.setThreadsCount(1);
      return new wasm.BackendWasm(module);
    },
    stock.priority,
  );
  return () => {
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', stock.factory, stock.priority);
  };
}
