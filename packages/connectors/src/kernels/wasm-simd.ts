// The toolkit's element-wise WebAssembly SIMD functions (simd-wat.ts) over a tfjs-backend-wasm module's
// memory; all pointers are byte offsets into it.
import { simdWat } from './simd-wat';
import { type EmscriptenHeap, instantiateOver, onHeap } from './wasm-module-on-heap';

/** Functions of the element-wise module. */
export interface SimdExports {
  colSums(src: number, dst: number, rows: number, cols: number): void;
  segmentSum(x: number, ids: number, out: number, rows: number, cols: number, segments: number): void;
  biasGelu(x: number, bias: number, y: number, u: number, rows: number, cols: number): void;
  geluGrad(dy: number, u: number, du: number, n: number): void;
  swiglu(g: number, u: number, y: number, n: number): void;
  swigluGrad(dy: number, g: number, u: number, dg: number, du: number, n: number): void;
  rotary(x: number, cos: number, sin: number, y: number, heads: number, rows: number, cols: number, inv: number): void;
  normForward(x: number, g: number, b: number, y: number, mean: number, rstd: number, rows: number, cols: number, eps: number, rms: number): void;
  normBackward(dy: number, x: number, g: number, mean: number, rstd: number, dx: number, dg: number, db: number, rows: number, cols: number, rms: number): void;
  softmaxGrad(p: number, dp: number, out: number, rows: number, cols: number, scale: number): void;
  rowMaxSumExp(x: number, rows: number, cols: number, maxOut: number, sumOut: number): void;
  softmaxScaled(x: number, lse: number, w: number, dy: number, rows: number, cols: number, out: number): void;
  adamw(p: number, g: number, m: number, v: number, po: number, mo: number, vo: number, n: number, b1: number, b2: number, eps: number, decay: number, step: number, inv: number): void;
}

const KEY = Symbol('simd');

/** The element-wise module for a tfjs-backend-wasm module (threaded build included), or null without SIMD. */
export function simdForHeap(heap: EmscriptenHeap): SimdExports | null {
  return onHeap(heap, KEY, true, (memory) => instantiateOver<SimdExports>(simdWat, memory));
}
