import * as tf from '@tensorflow/tfjs-core';
import '../backend/tfjs-runtime';
import type { WasmBackendInternals } from '../kernels/wasm-batch-mat-mul';
import type { EmscriptenHeap } from '../kernels/wasm-module-on-heap';
import { type WasmHelpers, type HelperJob, runJobHere } from '../kernels/wasm-helpers';
import { gemmForHeap } from '../kernels/wasm-gemm';
import { type SimdExports, simdForHeap } from '../kernels/wasm-simd';

/** Inputs `i0…iN` of a JS kernel, as flat float32 arrays with their shapes. */
export interface JsKernelCall {
  inputs: Float32Array[];
  shapes: number[][];
  attrs: tf.NamedAttrMap;
}

/**
 * A fused computation written once as loops over flat float32 arrays. It can run on the wasm heap and on
 * the cpu backend's arrays; `registerFusedKernels` registers it where it measured faster than the
 * composition of standard ops.
 */
export interface JsKernel {
  name: string;
  /** Shapes of the outputs, in order. */
  outputShapes(shapes: number[][], attrs: tf.NamedAttrMap): number[][];
  /** Fills `outputs` (fresh, zeroed on cpu, uninitialised on wasm) from the inputs. */
  compute(call: JsKernelCall, outputs: Float32Array[]): void;
  /**
   * The same on the wasm backend with the toolkit's SIMD module, over byte offsets of the inputs and
   * outputs in the wasm memory; returns false for shapes it does not cover (then `compute` runs). Kernels
   * that have it are registered on wasm too.
   */
  simd?(fn: SimdExports, call: SimdCall, outputs: number[]): boolean | void;
}

/** A SIMD kernel's call: byte offsets of its inputs, their shapes, the attributes and the heap. */
export interface SimdCall {
  inputs: number[];
  shapes: number[][];
  attrs: tf.NamedAttrMap;
  heap: Float32Array;
  /**
   * Runs `band(start, count)` over bands of `units` independent units (rows, groups of elements) of
   * `unitFloats` floats each: one band per wasm thread on the threaded build in Node when there are
   * enough floats to be worth a hand-off, else the whole range on this thread.
   */
  split(units: number, unitFloats: number, band: (start: number, count: number) => HelperJob): void;
}

// Element-wise work of fewer floats than this stays on the calling thread (a hand-off costs ~10-50 µs;
// see SPLIT_WORK in wasm-gemm.ts).
const SPLIT_FLOATS = 1 << 17;

function splitter(simd: SimdExports, helpers: WasmHelpers | undefined): SimdCall['split'] {
  return (units, unitFloats, band) => {
    if (!helpers || units < 2 || units * unitFloats < SPLIT_FLOATS) {
      runJobHere(simd, band(0, units));
      return;
    }
    const parts = Math.min(helpers.count + 1, units);
    const per = Math.ceil(units / parts);
    const work = Array.from({ length: parts }, (_, p) => (p * per < units ? band(p * per, Math.min(per, units - p * per)) : undefined));
    helpers.run(work, (job) => runJobHere(simd, job));
  };
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap };
type CpuBackend = { data: { get(dataId: object): { values?: unknown } }; makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo };

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);
const ordered = (inputs: tf.NamedTensorInfoMap) => Object.keys(inputs).length;

/** The wasm heap as float32, current even when another thread grew the shared memory. */
function heapF32(backend: WasmBackendInternals): Float32Array {
  const memory = (backend.wasm as { wasmMemory?: WebAssembly.Memory }).wasmMemory;
  const heap = backend.wasm.HEAPF32;
  return memory && memory.buffer !== heap.buffer ? new Float32Array(memory.buffer) : heap;
}

function wasmKernel(kernel: JsKernel): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = args.backend as WasmBackendInternals;
    const infos = Array.from({ length: ordered(args.inputs) }, (_, i) => args.inputs[`i${i}`] as tf.TensorInfo);
    const shapes = infos.map((t) => t.shape);
    const attrs = args.attrs ?? {};
    const outs = kernel.outputShapes(shapes, attrs).map((shape) => backend.makeOutput(shape, 'float32'));
    // Views are taken after makeOutput, which may grow (and so replace) the wasm memory.
    const heap = heapF32(backend);
    const simd = kernel.simd ? simdForHeap(backend.wasm as unknown as EmscriptenHeap) : null;
    if (simd && kernel.simd) {
      const offset = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
      const split = splitter(simd, gemmForHeap(backend.wasm as unknown as EmscriptenHeap)?.helpers);
      if (kernel.simd(simd, { inputs: infos.map(offset), shapes, attrs, heap, split }, outs.map(offset)) !== false) return outs;
    }
    const view = (t: tf.TensorInfo) => {
      const offset = backend.dataIdMap.get(t.dataId).memoryOffset / 4;
      return heap.subarray(offset, offset + size(t.shape));
    };
    kernel.compute({ inputs: infos.map(view), shapes, attrs }, outs.map(view));
    return outs;
  };
}

type NodeBackend = { readSync(dataId: object): unknown; write(values: Float32Array, shape: number[], dtype: 'float32'): object };

/** A kernel over backend-held arrays: `read` gives an input's values, `write` makes an output from fresh ones. */
function arrayKernel(kernel: JsKernel, read: (backend: object, t: tf.TensorInfo) => Float32Array, write: (backend: object, shape: number[], values: Float32Array) => tf.TensorInfo): tf.KernelFunc {
  return (args: KernelArgs) => {
    const infos = Array.from({ length: ordered(args.inputs) }, (_, i) => args.inputs[`i${i}`] as tf.TensorInfo);
    const shapes = infos.map((t) => t.shape);
    const attrs = args.attrs ?? {};
    const outShapes = kernel.outputShapes(shapes, attrs);
    const outputs = outShapes.map((shape) => new Float32Array(size(shape)));
    kernel.compute({ inputs: infos.map((t) => read(args.backend, t)), shapes, attrs }, outputs);
    return outputs.map((values, i) => write(args.backend, outShapes[i] as number[], values));
  };
}

/** cpu: the backend's own arrays in, `makeTensorInfo` out. */
const cpuKernel = (kernel: JsKernel) =>
  arrayKernel(
    kernel,
    (backend, t) => (backend as CpuBackend).data.get(t.dataId).values as Float32Array,
    (backend, shape, values) => (backend as CpuBackend).makeTensorInfo(shape, 'float32', values),
  );

/**
 * tfjs-node (backend `tensorflow`): inputs are read out of TensorFlow (one copy each), outputs stay JS
 * arrays that TensorFlow copies in only when an op uses them. Worth it where the kernel replaces many small
 * TensorFlow ops (each ~15-40 µs of eager overhead) with one pass over little data.
 */
const nodeKernel = (kernel: JsKernel) =>
  arrayKernel(
    kernel,
    (backend, t) => (backend as NodeBackend).readSync(t.dataId) as Float32Array,
    (backend, shape, values) => ({ dataId: (backend as NodeBackend).write(values, shape, 'float32'), shape, dtype: 'float32' }),
  );

type KernelBackendName = 'wasm' | 'cpu' | 'tensorflow';
const kernelFor = (backendName: KernelBackendName, kernel: JsKernel) => (backendName === 'wasm' ? wasmKernel(kernel) : backendName === 'tensorflow' ? nodeKernel(kernel) : cpuKernel(kernel));

const registered: JsKernel[] = [];
/** Backends `registerFusedKernels` has registered on (see `ensureFusedKernels`). */
const ensuredOn = new Set<string>();
/** Per kernel, the extra backends it is registered on by default (beyond `FUSED_KERNEL_BACKENDS`). */
const extraBackends = new Map<string, readonly KernelBackendName[]>();

/** Remembers a kernel so that `registerFusedKernels` registers it (cpu; wasm with a `simd` form; `alsoOn` backends). */
export function defineJsKernel(kernel: JsKernel, options: { alsoOn?: readonly KernelBackendName[] } = {}): JsKernel {
  registered.push(kernel);
  if (options.alsoOn) extraBackends.set(kernel.name, options.alsoOn);
  return kernel;
}

/**
 * Backends every fused JS kernel is registered for. Only cpu: on wasm a scalar JS loop over the heap
 * measured no faster than tfjs' SIMD kernels it replaces (LayerNorm forward + backward of [1024, 256]
 * 6.3 vs 6.3 ms, AdamW over 2.1 M weights 22 vs 20 ms of CPU, tfjs-backend-wasm 4.22, 1 thread); there
 * the fused ops compose standard kernels, except kernels with a `simd` form, which are registered on wasm.
 */
export const FUSED_KERNEL_BACKENDS: readonly string[] = ['cpu'];

/**
 * Registers every fused JS kernel for the backends in `FUSED_KERNEL_BACKENDS`, the kernel's own `alsoOn`
 * backends (the AdamW update on tfjs-node), those with a SIMD form for wasm, and `extra`. Idempotent.
 */
export function registerFusedKernels(extra: readonly KernelBackendName[] = []): void {
  ensuredOn.add(tf.getBackend());
  for (const kernel of registered) {
    for (const backendName of new Set([...FUSED_KERNEL_BACKENDS, ...(extraBackends.get(kernel.name) ?? []), ...extra, ...(kernel.simd ? ['wasm'] : [])] as KernelBackendName[])) {
      if (backendName === 'wasm' && !tf.getKernel('BatchMatMul', 'wasm')) continue;
      if (backendName === 'tensorflow' && !tf.getKernel('BatchMatMul', 'tensorflow')) continue;
      if (tf.getKernel(kernel.name, backendName)) tf.unregisterKernel(kernel.name, backendName);
      tf.registerKernel({ kernelName: kernel.name, backendName, kernelFunc: kernelFor(backendName, kernel) });
      ensuredOn.add(backendName);
    }
  }
}

/**
 * Registers the fused kernels the first time an op runs on each backend (tfjs-node may load after the
 * first op ran on wasm). A test that removed a kernel after registering keeps it removed.
 */
export function ensureFusedKernels(): void {
  if (!ensuredOn.has(tf.getBackend())) registerFusedKernels();
}

/**
 * On tfjs-node, the largest input (values) a JS kernel takes: below it one JS pass beats the ~10-25
 * TensorFlow ops it replaces (their eager overhead dominates); above it TensorFlow's kernels win and
 * the op composes them. Measured on 2 cores (layer norm forward + backward: [272, 64] 1.6 vs 2.6 ms,
 * [1104, 96] 4.7 vs 3.4 ms; AdamW per parameter: 11,000 values 0.30 vs 0.91 ms, 105,000 values 10.8
 * vs 3.1 ms).
 */
export const NATIVE_JS_KERNEL_MAX_VALUES = 1 << 15;

/**
 * Whether the active backend runs `kernel` (else the caller composes standard ops); on tfjs-node only for
 * inputs up to `NATIVE_JS_KERNEL_MAX_VALUES` when `values` is given.
 */
export function hasKernel(kernel: JsKernel, values?: number): boolean {
  const backend = tf.getBackend();
  if (tf.getKernel(kernel.name, backend) === undefined) return false;
  return backend !== 'tensorflow' || values === undefined || values <= NATIVE_JS_KERNEL_MAX_VALUES;
}

/** Runs a JS kernel on the active backend; inputs must be float32. */
export function runJsKernel(kernel: JsKernel, inputs: tf.Tensor[], attrs: tf.NamedAttrMap = {}): tf.Tensor[] {
  const named: tf.NamedTensorMap = {};
  inputs.forEach((t, i) => (named[`i${i}`] = t));
  const out = tf.engine().runKernel(kernel.name, named, attrs) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}
