import * as tf from '@tensorflow/tfjs-core';
import './tfjs-runtime';
import { VlmError } from '@vlm/core';
import { registerFastWasmKernels } from '../kernels/register-wasm-kernels';
import { registerNativeKernels } from '../kernels/native-kernels';
import { loadNativeOps, nativeOpsStatus } from '../kernels/native-ops';
import { type EmscriptenHeap, wasmThreadsOf } from '../kernels/wasm-module-on-heap';
import { fusedMultiplyAdd } from '../kernels/relaxed-simd';
import { quietNativeLoad } from './quiet-native-load';
import { registerThreadedWasmBackend, requestedWasmThreads, type WasmThreads } from './wasm-threads';

/** The backends the toolkit can run on, fastest first. */
export type BackendKind = 'node' | 'wasm' | 'cpu';

/** What `selectBackend` chose and why. */
export interface BackendChoice {
  /** Which kind of backend runs the tensors. */
  kind: BackendKind;
  /** The TF.js backend name (`tensorflow`, `wasm` or `cpu`). */
  tfBackend: string;
  /** Whether the wasm binary uses SIMD (wasm only). */
  simd?: boolean;
  /** XNNPACK threads in use (wasm only). */
  threads?: number;
  /** Why wasm runs single-threaded although more threads were asked for (wasm only). */
  threadsFallback?: string;
  /** Whether the toolkit's wasm kernels (fast BatchMatMul, UnsortedSegmentSum) are registered. */
  fastKernels?: boolean;
  /** Whether the toolkit's wasm matrix products fuse multiply-adds (WebAssembly relaxed SIMD; wasm with fast kernels only). */
  fusedMultiplyAdd?: boolean;
  /** Whether the toolkit's own TensorFlow ops (bias + GELU, LayerNorm / RMSNorm, SwiGLU, AdamW) are loaded (tfjs-node only). */
  nativeOps?: boolean;
  /** Why a faster backend was skipped, in order. */
  skipped: string[];
}

/** Options of `selectBackend`. */
export interface SelectBackendOptions {
  /** Force a backend; defaults to the `VLM_TF_BACKEND` environment variable, else automatic. */
  force?: BackendKind;
  /**
   * Try this backend first in the automatic order (node, wasm, cpu), for a workload known to run faster
   * there: small models on wasm with threads, where TensorFlow's per-op overhead outweighs its speed.
   * A forced backend (`force`, `VLM_TF_BACKEND`) wins over it.
   */
  prefer?: BackendKind;
  /** Register the toolkit's wasm kernels when wasm is chosen (default true). */
  fastWasmKernels?: boolean;
  /**
   * Threads of the wasm backend in Node: a count, or `'auto'` (one per core, at most 8). More than 1 runs
   * tfjs-backend-wasm's threaded SIMD build on `worker_threads`, falling back to one thread (logged) where
   * that cannot start. Defaults to the `VLM_WASM_THREADS` environment variable, else 1.
   */
  wasmThreads?: WasmThreads;
  /** Where the one log line goes (default `console.error`); pass `() => {}` to silence. */
  log?: (line: string) => void;
}

/** Name of the environment variable that forces a backend. */
export const BACKEND_ENV_VAR = 'VLM_TF_BACKEND';

let pending: Promise<BackendChoice> | undefined;
let logged = false;

function forcedKind(options: SelectBackendOptions): BackendKind | undefined {
  const raw = options.force ?? (typeof process !== 'undefined' ? process.env[BACKEND_ENV_VAR] : undefined);
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'node' || raw === 'wasm' || raw === 'cpu') return raw;
  throw new VlmError('backend.unknown', `unknown TF.js backend "${raw}"`, {
    location: { field: BACKEND_ENV_VAR },
    hint: 'use node, wasm or cpu (or unset the variable to choose automatically)',
  });
}

async function tryNode(): Promise<boolean> {
  if (typeof process === 'undefined' || !process.versions?.node) throw new Error('not running in Node.js');
  // A variable specifier keeps bundlers from resolving the optional native package at build time.
  const specifier = '@tensorflow/tfjs-node';
  // TensorFlow's start-up lines (absl, oneDNN, CPU features) stay out of the CLIs' output.
  await quietNativeLoad(() => import(/* @vite-ignore */ specifier));
  if (!(await tf.setBackend('tensorflow'))) throw new Error('the tensorflow backend did not initialise');
  registerNativeKernels();
  // the toolkit's fused TensorFlow ops, where setup-native built them (else the ops compose TensorFlow's)
  return loadNativeOps();
}

const PROCESS_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/**
 * Runs `init` and then removes the process-wide `uncaughtException` / `unhandledRejection` listeners it
 * added. tfjs-backend-wasm's emscripten glue installs both when the module is instantiated; they rethrow
 * any later error of the user's own program from inside the handler, so Node exits with code 7 instead
 * of 1 and prints the minified glue around the throw. The backend works without them.
 */
async function withoutNewProcessHandlers<T>(init: () => Promise<T>): Promise<T> {
  if (typeof process === 'undefined' || typeof process.listeners !== 'function') return init();
  // one cast for both events: Node's typings overload listeners() per event name
  const listenersOf = (event: (typeof PROCESS_EVENTS)[number]) => process.listeners(event as 'uncaughtException');
  const before = new Map(PROCESS_EVENTS.map((event) => [event, new Set(listenersOf(event))]));
  try {
    return await init();
  } finally {
    for (const event of PROCESS_EVENTS) {
      for (const listener of listenersOf(event)) if (!before.get(event)!.has(listener)) process.removeListener(event as 'uncaughtException', listener);
    }
  }
}

async function tryWasm(fast: boolean, requested: number): Promise<Pick<BackendChoice, 'simd' | 'threads' | 'threadsFallback' | 'fastKernels' | 'fusedMultiplyAdd'>> {
  let threadsFallback: string | undefined;
  const wasm = await withoutNewProcessHandlers(async () => {
    const module = await import('@tensorflow/tfjs-backend-wasm');
    let restoreStock: (() => void) | undefined;
    if (requested > 1) {
      try {
        restoreStock = await registerThreadedWasmBackend(requested);
      } catch (error) {
        threadsFallback = error instanceof Error ? error.message : String(error);
      }
    }
    if (!(await tf.setBackend('wasm'))) {
      if (!restoreStock) throw new Error('the wasm backend did not initialise');
      threadsFallback = 'the threaded wasm build did not start';
      restoreStock();
      if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
    }
    await tf.ready();
    return module;
  });
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const threads = wasmThreadsOf((tf.backend() as unknown as { wasm: EmscriptenHeap }).wasm);
  if (fast) registerFastWasmKernels();
  return { simd, threads, ...(threadsFallback ? { threadsFallback } : {}), fastKernels: fast, ...(fast ? { fusedMultiplyAdd: simd && fusedMultiplyAdd() } : {}) };
}

function threadsDetail(choice: BackendChoice): string {
  if (choice.threadsFallback) return `threads ${choice.threads}, single-threaded: ${choice.threadsFallback}`;
  return (choice.threads ?? 1) > 1 ? `threads ${choice.threads} on worker_threads` : `threads ${choice.threads}`;
}

async function choose(options: SelectBackendOptions): Promise<BackendChoice> {
  const forced = forcedKind(options);
  // A bad thread count is the user's mistake: reported, not skipped past.
  const wasmThreads = await requestedWasmThreads(options.wasmThreads);
  const skipped: string[] = [];
  const automatic: BackendKind[] = ['node', 'wasm', 'cpu'];
  const order: BackendKind[] = forced ? [forced] : options.prefer ? [options.prefer, ...automatic.filter((k) => k !== options.prefer)] : automatic;
  for (const kind of order) {
    try {
      if (kind === 'node') {
        const nativeOps = await tryNode();
        return { kind, tfBackend: 'tensorflow', nativeOps, skipped };
      }
      if (kind === 'wasm') {
        const extra = await tryWasm(options.fastWasmKernels ?? true, wasmThreads);
        return { kind, tfBackend: 'wasm', ...extra, skipped };
      }
      if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
      return { kind, tfBackend: 'cpu', skipped };
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      if (forced) {
        throw new VlmError('backend.unavailable', `the forced TF.js backend "${kind}" cannot be used: ${reason}`, {
          location: { field: BACKEND_ENV_VAR },
          hint: kind === 'node' ? 'install @tensorflow/tfjs-node@4.22.0 (in the vlm-toolkit repository: node scripts/setup-native.mjs) or choose wasm/cpu' : 'choose another backend',
        });
      }
      skipped.push(`${kind}: ${reason}`);
    }
  }
  throw new VlmError('backend.none', 'no TF.js backend could be initialised', { hint: skipped.join('; ') });
}

/** Why the toolkit's TensorFlow ops did not load, when a library was there to load (else nothing). */
function opsProblem(): string {
  const status = nativeOpsStatus();
  return status && !status.loaded && !status.absent ? `: ${status.reason}` : '';
}

/**
 * Picks the TF.js backend once for the process: tfjs-node when installed and loadable, else wasm
 * (SIMD, threads when available, with the toolkit's fast kernels), else cpu. `VLM_TF_BACKEND=node|wasm|cpu`
 * forces one. The choice is logged once; later calls return the same choice.
 */
export function selectBackend(options: SelectBackendOptions = {}): Promise<BackendChoice> {
  pending ??= choose(options).then(
    (choice) => {
      if (!logged) {
        logged = true;
        const details =
          choice.kind === 'wasm' ? ` (simd ${choice.simd}, ${threadsDetail(choice)}, fast kernels ${choice.fastKernels}${choice.fastKernels ? `, fused multiply-add ${choice.fusedMultiplyAdd}` : ''})` : choice.kind === 'node' ? ` (toolkit TensorFlow ops ${choice.nativeOps}${opsProblem()})` : '';
        (options.log ?? ((line: string) => console.error(line)))(`[vlm] TF.js backend: ${choice.tfBackend}${details}`);
      }
      return choice;
    },
    (error: unknown) => {
      pending = undefined;
      throw error;
    },
  );
  return pending;
}
