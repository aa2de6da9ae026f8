import * as tf from '@tensorflow/tfjs-core';
import '../backend/tfjs-runtime';
import { createFastBatchMatMul, createFastFusedMatMul } from './wasm-batch-mat-mul';
import { createHeapSlice, createHeapSplit, createHeapTile } from './heap-slice';
import { createLeadingAxesSum } from './leading-axes-sum';
import { createRowGather } from './row-gather';
import { createSharedIdentity } from './shared-identity';
import { unsortedSegmentSumWasm } from './unsorted-segment-sum';
import { LINEAR_GRAD_KERNEL, LINEAR_KERNEL, linearGradWasm, linearWasm } from './wasm-linear';

/** The stock kernels the toolkit wraps, by name, with the wrapper that falls back to each. */
const WRAPPED: [string, (stock: tf.KernelFunc) => tf.KernelFunc][] = [
  ['BatchMatMul', createFastBatchMatMul],
  ['Sum', createLeadingAxesSum],
  ['Identity', createSharedIdentity],
  ['_FusedMatMul', createFastFusedMatMul],
  ['GatherV2', createRowGather],
  ['Slice', createHeapSlice],
  ['SplitV', createHeapSplit],
  ['Tile', createHeapTile],
];
/** tfjs-backend-wasm's own configs of the wrapped kernels, kept the first time they are replaced. */
const stock = new Map<string, tf.KernelConfig>();

function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

/**
 * Registers the toolkit's wasm kernels: a BatchMatMul and a bias-only _FusedMatMul on the toolkit's SIMD
 * gemm (with its helper threads on the threaded build in Node; XNNPACK where the gemm cannot run: no
 * SIMD, or a threaded build outside Node), a Sum that reduces leading axes without a transpose, an
 * Identity that shares memory instead of copying, a GatherV2 that copies embedding rows, a Slice and a
 * SplitV that copy from the heap without first copying the whole input out, a Tile that copies runs, and
 * the missing UnsortedSegmentSum, and the linear layer's forward and backward kernels (wasm-linear.ts). Idempotent.
 * Needs `@tensorflow/tfjs-backend-wasm` to be imported.
 */
export function registerFastWasmKernels(): void {
  if (!tf.getKernel('BatchMatMul', 'wasm')) throw new Error('the wasm backend is not loaded: import @tensorflow/tfjs-backend-wasm first');
  for (const [kernelName, wrap] of WRAPPED) {
    if (!stock.has(kernelName)) stock.set(kernelName, tf.getKernel(kernelName, 'wasm'));
    const original = stock.get(kernelName) as tf.KernelConfig;
    replaceKernel({ kernelName, backendName: 'wasm', setupFunc: original.setupFunc, kernelFunc: wrap(original.kernelFunc) });
  }
  replaceKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSumWasm as unknown as tf.KernelFunc });
  replaceKernel({ kernelName: LINEAR_KERNEL, backendName: 'wasm', kernelFunc: linearWasm as unknown as tf.KernelFunc });
  replaceKernel({ kernelName: LINEAR_GRAD_KERNEL, backendName: 'wasm', kernelFunc: linearGradWasm as unknown as tf.KernelFunc });
}

/**
 * Puts tfjs-backend-wasm's own BatchMatMul, _FusedMatMul, Sum, Identity, GatherV2, Slice, SplitV and Tile back
 * (UnsortedSegmentSum stays, since without it no model with an embedding can train on wasm) and removes
 * the linear kernels, so linear layers compose the stock ones. For side-by-side benchmarks.
 */
export function useStockWasmKernels(): void {
  for (const config of stock.values()) replaceKernel(config);
  // linear layers go back to the composition of the stock kernels
  for (const name of [LINEAR_KERNEL, LINEAR_GRAD_KERNEL]) if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
}

/** Former name of `useStockWasmKernels` (kept: @vlm/train's benchmark imports it). */
export const useStockWasmBatchMatMul = useStockWasmKernels;
