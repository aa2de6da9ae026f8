// The toolkit's float32 matrix product on the wasm backend's own memory: a small WebAssembly SIMD module
// (gemm-wat.ts, assembled at load by wat-assembler.ts) instantiated over tfjs-backend-wasm's memory, so it
// reads the operands and writes the result in place. Transposed operands cost nothing extra: packing
// reads them either way. On a 2-vCPU AMD EPYC (Zen 4) under Node 20 it runs at ~40 GFLOP/s on one thread
// against ~25 for XNNPACK's wasm SIMD kernels that tfjs-backend-wasm 4.22 uses. On the threaded build in
// Node, helper threads (gemm-helpers.ts) take bands of rows of large products.
import { GemmHelpers } from './gemm-helpers';
import { gemmWat, MR, NR } from './gemm-wat';
import { type EmscriptenHeap, instantiateOver, isShared, onHeap } from './wasm-module-on-heap';

export type { EmscriptenHeap } from './wasm-module-on-heap';

interface GemmExports {
  gemm(ap: number, bp: number, c: number, m: number, n: number, k: number, ldc: number, bias: number, scr: number, nc: number, kc: number): void;
  packARows(src: number, dst: number, m: number, k: number, lda: number): void;
  packACols(src: number, dst: number, m: number, k: number, lda: number): void;
  packBRows(src: number, dst: number, k: number, n: number, ldb: number): void;
  packBCols(src: number, dst: number, k: number, n: number, ldb: number): void;
}

/** One product (or a batch of them) over byte offsets into the wasm memory. */
export interface GemmCall {
  /** A: `[batchA, m, k]` row-major, or `[batchA, k, m]` when `transposeA`. */
  a: number;
  /** B: `[batchB, k, n]`, or `[batchB, n, k]` when `transposeB`. */
  b: number;
  /** Output `[max(batchA, batchB), m, n]`. */
  out: number;
  batchA: number;
  batchB: number;
  m: number;
  n: number;
  k: number;
  transposeA: boolean;
  transposeB: boolean;
  /** Optional bias `[n]` added to every row. */
  bias?: number;
}

// k is blocked so one A panel (4 x 256 floats, 4 KB) stays in L1 and one column block of packed B
// (256 x 256 floats, 256 KB) in L2.
const KC = 256;
const NC = 256;
// Products of fewer multiply-adds than this stay on the calling thread (a hand-off costs ~10-50 µs).
const SPLIT_WORK = 1 << 21;

/** Matrix products over one wasm memory (see the file comment). */
export class WasmGemm {
  private readonly fn: GemmExports;
  private workspace = 0;
  private workspaceBytes = 0;

  constructor(
    private readonly heap: EmscriptenHeap,
    private readonly memory: WebAssembly.Memory,
    /** Threads that take bands of output rows of large products (threaded build in Node). */
    private readonly helpers?: GemmHelpers,
  ) {
    this.fn = instantiateOver<GemmExports>(gemmWat, memory);
  }

  /** Threads that compute large products: 1 + the helper threads. */
  get threads(): number {
    return 1 + (this.helpers?.count ?? 0);
  }

  /** C = packed A · packed B for `rows` rows, split into bands of rows over the helpers when large. */
  private product(ap: number, bp: number, out: number, rows: number, n: number, k: number, bias: number, scratch: number): void {
    const helpers = this.helpers;
    const parts = helpers ? helpers.count + 1 : 1;
    if (!helpers || rows * n * k < SPLIT_WORK || rows < 2 * MR) {
      this.fn.gemm(ap, bp, out, rows, n, k, n, bias, scratch, NC, KC);
      return;
    }
    const band = Math.ceil(Math.ceil(rows / MR) / parts) * MR;
    const args = helpers.scratch.map((scr, h) => {
      const i0 = (h + 1) * band;
      if (i0 >= rows) return undefined;
      return [ap + 4 * i0 * k, bp, out + 4 * i0 * n, Math.min(band, rows - i0), n, k, n, bias, scr, NC, KC];
    });
    helpers.post(args);
    this.fn.gemm(ap, bp, out, Math.min(band, rows), n, k, n, bias, scratch, NC, KC);
    helpers.wait(args);
  }

  /** A workspace of at least `bytes` from the backend's allocator (kept and reused). */
  private reserve(bytes: number): number {
    if (bytes > this.workspaceBytes) {
      if (this.workspace) this.heap._free(this.workspace);
      this.workspaceBytes = Math.max(bytes, Math.ceil(this.workspaceBytes * 1.5));
      this.workspace = this.heap._malloc(this.workspaceBytes);
      if (!this.workspace) throw new Error(`wasm gemm: could not allocate ${this.workspaceBytes} bytes`);
    }
    return this.workspace;
  }

  /** Releases the workspace. */
  dispose(): void {
    if (this.workspace) this.heap._free(this.workspace);
    this.workspace = 0;
    this.workspaceBytes = 0;
  }

  /** Computes `out = op(a)·op(b) (+ bias)` for every batch (a batch of 1 broadcasts). */
  run(call: GemmCall): void {
    const { m, n, k, transposeA, transposeB } = call;
    const batch = Math.max(call.batchA, call.batchB);
    // Untransposed left matrices sharing one right-hand matrix: their rows stack into one product.
    const fold = call.batchB === 1 && !transposeA;
    const rows = fold ? call.batchA * m : m;
    const aPanelFloats = Math.ceil(rows / MR) * MR * k;
    const bPanelFloats = Math.ceil(n / NR) * NR * k;
    const biasFloats = call.bias !== undefined && n % NR !== 0 ? Math.ceil(n / NR) * NR : 0;
    const base = this.reserve(4 * (aPanelFloats + bPanelFloats + biasFloats + MR * NR) + 64);
    const ap = base;
    const bp = ap + 4 * aPanelFloats;
    const scratch = bp + 4 * bPanelFloats;
    let bias = call.bias ?? 0;
    if (biasFloats) {
      const padded = scratch + 4 * MR * NR;
      const heap = this.heapF32();
      heap.fill(0, padded / 4, padded / 4 + biasFloats);
      heap.copyWithin(padded / 4, bias / 4, bias / 4 + n);
      bias = padded;
    }
    const f = this.fn;
    const packA = (i: number) => {
      const src = call.a + 4 * (call.batchA === 1 ? 0 : i * m * k);
      if (transposeA) f.packACols(src, ap, m, k, m);
      else f.packARows(src, ap, rows, k, k);
    };
    const packB = (i: number) => {
      const src = call.b + 4 * (call.batchB === 1 ? 0 : i * k * n);
      if (transposeB) f.packBCols(src, bp, k, n, k);
      else f.packBRows(src, bp, k, n, n);
    };
    if (fold) {
      packA(0);
      packB(0);
      this.product(ap, bp, call.out, rows, n, k, bias, scratch);
      return;
    }
    for (let i = 0; i < batch; i++) {
      if (i === 0 || call.batchA > 1) packA(i);
      if (i === 0 || call.batchB > 1) packB(i);
      this.product(ap, bp, call.out + 4 * i * m * n, m, n, k, bias, scratch);
    }
  }

  private heapF32(): Float32Array {
    const heap = this.heap.HEAPF32;
    return heap.buffer === this.memory.buffer ? heap : new Float32Array(this.memory.buffer);
  }
}

/**
 * The gemm for a tfjs-backend-wasm module, or null where it cannot run (no WebAssembly SIMD, the memory
 * not reachable). On the threaded build (shared memory) it runs with helper threads, one fewer than the
 * backend's thread count, where Node's worker_threads can start them; else (browsers) null, and the
 * threaded build keeps XNNPACK, whose products use its thread pool.
 */
export function gemmForHeap(heap: EmscriptenHeap): WasmGemm | null {
  return onHeap(heap, WasmGemm, true, (memory) => {
    if (!isShared(memory)) return new WasmGemm(heap, memory);
    const threads = (heap as { tfjs?: { getThreadsCount?: () => number } }).tfjs?.getThreadsCount?.() ?? 1;
    const helpers = GemmHelpers.start(heap, memory, threads - 1);
    return helpers ? new WasmGemm(heap, memory, helpers) : null;
  });
}
