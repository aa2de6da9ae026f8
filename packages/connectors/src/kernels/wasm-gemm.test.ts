import { createRng } from '@vlm/core';
import { describe, expect, it } from 'vitest';
import { type EmscriptenHeap, type GemmCall, WasmGemm } from './wasm-gemm';

const rng = createRng('wasm-gemm');

/** A heap over a fresh memory with a bump allocator, standing in for tfjs-backend-wasm's module. */
function testHeap(): EmscriptenHeap & { put(values: Float32Array): number; get(ptr: number, n: number): Float32Array; memory: WebAssembly.Memory } {
  const memory = new WebAssembly.Memory({ initial: 64 });
  let top = 1024;
  const heap = {
    memory,
    get HEAPF32() {
      return new Float32Array(memory.buffer);
    },
    _malloc(bytes: number) {
      const ptr = top;
      top += Math.ceil(bytes / 16) * 16 + 16;
      while (top > memory.buffer.byteLength) memory.grow(16);
      return ptr;
    },
    _free() {},
    put(values: Float32Array) {
      const ptr = heap._malloc(values.length * 4);
      new Float32Array(memory.buffer).set(values, ptr / 4);
      return ptr;
    },
    get(ptr: number, n: number) {
      return new Float32Array(memory.buffer).slice(ptr / 4, ptr / 4 + n);
    },
  };
  return heap;
}

const random = (n: number) => Float32Array.from({ length: n }, () => rng.normal());

/** out[b][i][j] = Σ op(A)[i][kk]·op(B)[kk][j] (+ bias[j]) in float64. */
function reference(a: Float32Array, b: Float32Array, bias: Float32Array | undefined, c: Omit<GemmCall, 'a' | 'b' | 'out' | 'bias'>): Float64Array {
  const { m, n, k } = c;
  const batch = Math.max(c.batchA, c.batchB);
  const out = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    const ao = c.batchA === 1 ? 0 : t * m * k;
    const bo = c.batchB === 1 ? 0 : t * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = bias ? (bias[j] as number) : 0;
        for (let kk = 0; kk < k; kk++) {
          const av = a[ao + (c.transposeA ? kk * m + i : i * k + kk)] as number;
          const bv = b[bo + (c.transposeB ? j * k + kk : kk * n + j)] as number;
          s += av * bv;
        }
        out[(t * m + i) * n + j] = s;
      }
    }
  }
  return out;
}

function check(c: Omit<GemmCall, 'a' | 'b' | 'out' | 'bias'>, withBias: boolean, fused: boolean): void {
  const heap = testHeap();
  const gemm = new WasmGemm(heap, heap.memory, undefined, fused);
  const a = random(c.batchA * c.m * c.k);
  const b = random(c.batchB * c.k * c.n);
  const bias = withBias ? random(c.n) : undefined;
  const batch = Math.max(c.batchA, c.batchB);
  const outPtr = heap.put(new Float32Array(batch * c.m * c.n).fill(Number.NaN));
  gemm.run({ ...c, a: heap.put(a), b: heap.put(b), out: outPtr, bias: bias ? heap.put(bias) : undefined });
  const got = heap.get(outPtr, batch * c.m * c.n);
  const want = reference(a, b, bias, c);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs((got[i] as number) - (want[i] as number)) / (1 + Math.abs(want[i] as number)));
  expect(worst, JSON.stringify(c)).toBeLessThan(1e-5);
}

describe.each([false, true])('WasmGemm, fused multiply-add %s', (fused) => {
  it('matches a float64 reference for every transpose, with edge tiles in m and n', () => {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        for (const [m, k, n] of [[1, 1, 1], [4, 8, 8], [7, 5, 13], [9, 17, 3], [12, 3, 24]] as const) {
          check({ batchA: 1, batchB: 1, m, n, k, transposeA, transposeB }, false, fused);
        }
      }
    }
  });

  it('blocks over k and n (k > 256, n > 256) and adds a bias, padded when n is not a multiple of 8', () => {
    check({ batchA: 1, batchB: 1, m: 6, n: 270, k: 300, transposeA: false, transposeB: false }, true, fused);
    check({ batchA: 1, batchB: 1, m: 5, n: 21, k: 513, transposeA: true, transposeB: true }, true, fused);
    check({ batchA: 1, batchB: 1, m: 8, n: 16, k: 4, transposeA: false, transposeB: true }, true, fused);
  });

  it('runs batches: shared right matrix (rows stacked), shared left matrix, equal batches', () => {
    for (const [batchA, batchB] of [[3, 1], [1, 3], [2, 2]] as const) {
      for (const transposeA of [false, true]) {
        check({ batchA, batchB, m: 5, n: 11, k: 7, transposeA, transposeB: !transposeA }, false, fused);
      }
    }
  });

  it('reuses and grows its workspace across calls of different sizes', () => {
    const heap = testHeap();
    const gemm = new WasmGemm(heap, heap.memory, undefined, fused);
    expect(gemm.fused).toBe(fused);
    for (const size of [3, 40, 9]) {
      const a = random(size * size);
      const outPtr = heap.put(new Float32Array(size * size));
      gemm.run({ a: heap.put(a), b: heap.put(a), out: outPtr, batchA: 1, batchB: 1, m: size, n: size, k: size, transposeA: false, transposeB: false });
      const want = reference(a, a, undefined, { batchA: 1, batchB: 1, m: size, n: size, k: size, transposeA: false, transposeB: false });
      const got = heap.get(outPtr, size * size);
      for (let i = 0; i < want.length; i++) expect(Math.abs((got[i] as number) - (want[i] as number))).toBeLessThan(1e-4);
    }
    gemm.dispose();
  });
});
