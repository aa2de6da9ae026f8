// The toolkit's float32 matrix product on the wasm backend's own memory: a small WebAssembly SIMD module
// (gemm-wat.ts, assembled at load by wat-assembler.ts) instantiated over tfjs-backend-wasm's memory, so it
// reads the operands and writes the result in place. Transposed operands cost nothing extra: packing
// reads them either way. On a 2-vCPU AMD EPYC (Zen 4) under Node 20 it runs at ~40 GFLOP/s on one thread
// against ~25 for XNNPACK's wasm SIMD kernels that tfjs-backend-wasm 4.22 uses. On the threaded build in
// Node, helper threads (wasm-helpers.ts) share large products: each thread packs a band of B's columns,
// then packs and multiplies a band of A's rows; a batch of small products (attention's) goes to the
// threads in runs of whole items instead.
import { WasmHelpers, type HelperJob, runJobHere } from './wasm-helpers';
import { gemmWat, NR, tileRows } from './gemm-wat';
import { fusedMultiplyAdd, relaxedSimdAvailable } from './relaxed-simd';
import { type EmscriptenHeap, instantiateOver, isShared, onHeap, wasmThreadsOf } from './wasm-module-on-heap';

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
// Products of fewer multiply-adds than this (~0.2 ms on one thread) stay on the calling thread: below
// it the hand-offs cost more than they save (a width-64, 3-layer training step on 2 threads: 20 ms with
// 2^21 or 2^22, 16.6 with 2^23, 17 on one thread).
const SPLIT_WORK = 1 << 23;
// A batch of small products splits by items from half that: the items need no packing hand-offs (the
// demo's attention, 64 products of 69 x 69 x 24: 0.54 ms on one thread, 0.31 on two; its stage-2 step
// 48-49 -> 44-45 ms).
const BATCH_SPLIT_WORK = 1 << 22;

/**
 * The job that packs `count` rows of op(A), from row `r0` on, of the matrix at `src` into its panels at
 * `dst` (packed A is [rows/mr][k][mr] for the kernel's tile height mr, so a band from a multiple of mr
 * starts at 4·r0·k bytes).
 */
function packAJob(call: GemmCall, src: number, dst: number, r0: number, count: number): HelperJob {
  const { m, k } = call;
  return call.transposeA ? { fn: 'packACols', args: [src + 4 * r0, dst + 4 * r0 * k, count, k, m] } : { fn: 'packARows', args: [src + 4 * r0 * k, dst + 4 * r0 * k, count, k, k] };
}

/** The same for `count` columns of op(B) from column `c0` on (packed B is [n/NR][k][NR]). */
function packBJob(call: GemmCall, src: number, dst: number, c0: number, count: number): HelperJob {
  const { n, k } = call;
  return call.transposeB ? { fn: 'packBCols', args: [src + 4 * c0 * k, dst + 4 * c0 * k, k, count, k] } : { fn: 'packBRows', args: [src + 4 * c0, dst + 4 * c0 * k, k, count, n] };
}

/** Matrix products over one wasm memory (see the file comment). */
export class WasmGemm {
  private readonly fn: GemmExports;
  private workspace = 0;
  private workspaceBytes = 0;

  constructor(
    private readonly heap: EmscriptenHeap,
    private readonly memory: WebAssembly.Memory,
    /** Threads that take bands of output rows of large products (threaded build in Node). */
    readonly helpers?: WasmHelpers,
    /** Multiply-adds fused (relaxed SIMD); by default where the engine has them (relaxed-simd.ts). */
    readonly fused = fusedMultiplyAdd(),
  ) {
    if (helpers && helpers.fused !== fused) throw new Error('wasm gemm: the helper threads run the other kernel form (fused multiply-add or not)');
    if (fused && !relaxedSimdAvailable()) throw new Error('wasm gemm: fused multiply-adds need WebAssembly relaxed SIMD, which this engine does not validate');
    this.fn = instantiateOver<GemmExports>((shared) => gemmWat(shared, fused), memory);
    this.mr = tileRows(fused);
  }

  /** Rows per register tile and packed A panel. */
  private readonly mr: number;

  /** Threads that compute large products: 1 + the helper threads. */
  get threads(): number {
    return 1 + (this.helpers?.count ?? 0);
  }

  /**
   * The workspace for `aFloats` of packed A, `bFloats` of packed B and the 4x8 scratch tile, and the bias
   * the gemm reads: `call.bias`, or a zero-padded copy in whole NR-wide groups when n is not a multiple of NR.
   */
  private layout(call: GemmCall, aFloats: number, bFloats: number): { ap: number; bp: number; scratch: number; bias: number } {
    const { n } = call;
    const biasFloats = call.bias !== undefined && n % NR !== 0 ? Math.ceil(n / NR) * NR : 0;
    const ap = this.reserve(4 * (aFloats + bFloats + biasFloats + this.mr * NR) + 64);
    const bp = ap + 4 * aFloats;
    const scratch = bp + 4 * bFloats;
    let bias = call.bias ?? 0;
    if (biasFloats) {
      const padded = scratch + 4 * this.mr * NR;
      const heap = this.heapF32();
      heap.fill(0, padded / 4, padded / 4 + biasFloats);
      heap.copyWithin(padded / 4, bias / 4, bias / 4 + n);
      bias = padded;
    }
    return { ap, bp, scratch, bias };
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
    const { m, n, k, transposeA } = call;
    const batch = Math.max(call.batchA, call.batchB);
    // Untransposed left matrices sharing one right-hand matrix: their rows stack into one product.
    const fold = call.batchB === 1 && !transposeA;
    const rows = fold ? call.batchA * m : m;
    const helpers = this.helpers;
    if (helpers && !fold && batch > 1 && m * n * k < SPLIT_WORK && batch * m * n * k >= BATCH_SPLIT_WORK) {
      this.batchOverThreads(call, helpers);
      return;
    }
    const mr = this.mr;
    const { ap, bp, scratch, bias } = this.layout(call, Math.ceil(rows / mr) * mr * k, Math.ceil(n / NR) * NR * k);
    const f = this.fn;
    const packA = (i: number, r0: number, count: number) => packAJob(call, call.a + 4 * (call.batchA === 1 ? 0 : i * m * k), ap, r0, count);
    const packB = (i: number, c0: number, count: number) => packBJob(call, call.b + 4 * (call.batchB === 1 ? 0 : i * k * n), bp, c0, count);
    const gemm = (r0: number, count: number, out: number, scr: number): HelperJob => ({ fn: 'gemm', args: [ap + 4 * r0 * k, bp, out + 4 * r0 * n, count, n, k, n, bias, scr, NC, KC] });
    // C = op(A_i)·op(B_i) for `rows` rows; the operands are packed first where `withA` / `withB`.
    const multiply = (i: number, withA: boolean, withB: boolean, out: number) => {
      if (!helpers || rows * n * k < SPLIT_WORK || rows < 2 * mr) {
        if (withA) runJobHere(f, packA(i, 0, rows));
        if (withB) runJobHere(f, packB(i, 0, n));
        runJobHere(f, gemm(0, rows, out, scratch));
        return;
      }
      // Two rounds over the threads: each packs a band of B's columns; then each packs its band of A's
      // rows and multiplies it.
      const parts = helpers.count + 1;
      const scr = (p: number) => (p === 0 ? scratch : (helpers.scratch[p - 1] as number));
      if (withB) {
        const cols = Math.ceil(Math.ceil(n / NR) / parts) * NR;
        helpers.run(
          Array.from({ length: parts }, (_, p) => (p * cols < n ? packB(i, p * cols, Math.min(cols, n - p * cols)) : undefined)),
          (job) => runJobHere(f, job),
        );
      }
      const band = Math.ceil(Math.ceil(rows / mr) / parts) * mr;
      const work = Array.from({ length: parts }, (_, p) => {
        const r0 = p * band;
        if (r0 >= rows) return undefined;
        const count = Math.min(band, rows - r0);
        return withA ? [packA(i, r0, count), gemm(r0, count, out, scr(p))] : [gemm(r0, count, out, scr(p))];
      });
      helpers.run(work, (job) => runJobHere(f, job));
    };
    if (fold) {
      multiply(0, true, true, call.out);
      return;
    }
    for (let i = 0; i < batch; i++) multiply(i, i === 0 || call.batchA > 1, i === 0 || call.batchB > 1, call.out + 4 * i * m * n);
  }

  /**
   * A batch of small products (attention's, one per head and sample) over the threads: every item is
   * packed first, then each thread multiplies a run of consecutive items.
   */
  private batchOverThreads(call: GemmCall, helpers: WasmHelpers): void {
    const { m, n, k } = call;
    const batch = Math.max(call.batchA, call.batchB);
    const aPanel = Math.ceil(m / this.mr) * this.mr * k;
    const bPanel = Math.ceil(n / NR) * NR * k;
    const packsA = call.batchA > 1 ? batch : 1;
    const packsB = call.batchB > 1 ? batch : 1;
    const { ap, bp, scratch, bias } = this.layout(call, aPanel * packsA, bPanel * packsB);
    // Each thread packs the operands of its own items, then multiplies them; an operand shared by the
    // whole batch is packed once, here, first.
    const f = this.fn;
    const packA = (src: number, dst: number) => packAJob(call, src, dst, 0, m);
    const packB = (src: number, dst: number) => packBJob(call, src, dst, 0, n);
    if (packsA === 1) runJobHere(f, packA(call.a, ap));
    if (packsB === 1) runJobHere(f, packB(call.b, bp));
    const parts = helpers.count + 1;
    const per = Math.ceil(batch / parts);
    const work = Array.from({ length: parts }, (_, p): HelperJob[] | undefined => {
      const i0 = p * per;
      const calls = Math.min(per, batch - i0);
      if (calls <= 0) return undefined;
      const jobs: HelperJob[] = [];
      if (packsA > 1) jobs.push({ ...packA(call.a + 4 * i0 * m * k, ap + 4 * i0 * aPanel), calls, strides: [4 * m * k, 4 * aPanel, 0, 0, 0] });
      if (packsB > 1) jobs.push({ ...packB(call.b + 4 * i0 * k * n, bp + 4 * i0 * bPanel), calls, strides: [4 * k * n, 4 * bPanel, 0, 0, 0] });
      const scr = p === 0 ? scratch : (helpers.scratch[p - 1] as number);
      const args = [ap + (packsA > 1 ? 4 * i0 * aPanel : 0), bp + (packsB > 1 ? 4 * i0 * bPanel : 0), call.out + 4 * i0 * m * n, m, n, k, n, bias, scr, NC, KC];
      jobs.push({ fn: 'gemm', args, calls, strides: [packsA > 1 ? 4 * aPanel : 0, packsB > 1 ? 4 * bPanel : 0, 4 * m * n, 0, 0, 0, 0, 0, 0, 0, 0] });
      return jobs;
    });
    helpers.run(work, (job) => runJobHere(f, job));
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
    const threads = wasmThreadsOf(heap);
    const fused = fusedMultiplyAdd();
    const helpers = WasmHelpers.start(heap, memory, threads - 1, fused);
    return helpers ? new WasmGemm(heap, memory, helpers, fused) : null;
  });
}
