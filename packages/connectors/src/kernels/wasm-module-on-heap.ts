// Instantiates one of the toolkit's WebAssembly modules over tfjs-backend-wasm's own memory, once per
// backend module, so its functions work on tensors in place (byte offsets from the backend's dataIdMap).
import { assembleWat } from './wat-assembler';

/** The parts of tfjs-backend-wasm's emscripten module the toolkit's modules use. */
export interface EmscriptenHeap {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  HEAPF32: Float32Array;
  /** Exports of the single-threaded build (its memory is defined there). */
  asm?: { memory?: WebAssembly.Memory };
  /** The threaded build's shared memory. */
  wasmMemory?: WebAssembly.Memory;
}

/** The memory object of tfjs-backend-wasm's module, if it can be reached. */
export function wasmMemoryOf(heap: EmscriptenHeap): WebAssembly.Memory | undefined {
  return heap.wasmMemory ?? heap.asm?.memory;
}

/**
 * `view` (one of the module's HEAP arrays), or a new one of the same type over the memory's current buffer
 * when `view` is on an old one: allocating may grow the memory, and on the threaded build another thread
 * may have grown it, which leaves the module's views on the old buffer. Take it after `makeOutput`.
 */
export function currentView<T extends Uint8Array | Int32Array | Float32Array>(heap: EmscriptenHeap, view: T): T {
  const memory = wasmMemoryOf(heap);
  return memory && memory.buffer !== view.buffer ? (new (view.constructor as new (buffer: ArrayBufferLike) => T)(memory.buffer)) : view;
}

/** Whether `memory` is a shared (threaded build) memory. */
/**
 * Threads a wasm module computes on: the toolkit's thread count on its threaded build in Node (the calling
 * thread + helper threads; XNNPACK itself runs on one there), else the module's XNNPACK thread count.
 */
export function wasmThreadsOf(heap: EmscriptenHeap): number {
  return (heap as { vlmThreads?: number }).vlmThreads ?? (heap as { tfjs?: { getThreadsCount?: () => number } }).tfjs?.getThreadsCount?.() ?? 1;
}

export function isShared(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/** Instantiates the module text `wat(shared)` over `memory`. */
export function instantiateOver<T>(wat: (shared: boolean) => string, memory: WebAssembly.Memory): T {
  const module = new WebAssembly.Module(assembleWat(wat(isShared(memory))) as BufferSource);
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as T;
}

let simd: boolean | undefined;

/** Whether this engine validates WebAssembly SIMD (a module with one v128 local). */
export function simdSupported(): boolean {
  simd ??= WebAssembly.validate(assembleWat('(module (func (local $v v128) (local.set $v (f32x4.splat (f32.const 1)))))') as BufferSource);
  return simd;
}

const cache = new WeakMap<object, Map<unknown, unknown>>();

/**
 * `create(memory)` once per backend module and key; null (cached too) where it cannot run: the memory
 * not reachable, a shared memory when `allowShared` is false, no WebAssembly SIMD, or the engine refusing
 * to compile or instantiate the module.
 */
export function onHeap<T>(heap: EmscriptenHeap, key: unknown, allowShared: boolean, create: (memory: WebAssembly.Memory) => T | null): T | null {
  let byKey = cache.get(heap);
  if (!byKey) cache.set(heap, (byKey = new Map()));
  if (byKey.has(key)) return byKey.get(key) as T | null;
  let value: T | null = null;
  const memory = wasmMemoryOf(heap);
  if (memory && (allowShared || !isShared(memory))) {
    try {
      if (simdSupported()) value = create(memory);
    } catch (error) {
      // A text error in the toolkit's own modules is a bug to surface; anything else (a browser refusing
      // to compile on its main thread, a content security policy without wasm) leaves the stock kernels.
      if (error instanceof Error && error.message.startsWith('wat:')) throw error;
      value = null;
    }
  }
  byKey.set(key, value);
  return value;
}
