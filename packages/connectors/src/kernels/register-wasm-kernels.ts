import * as tf from '@tensorflow/tfjs-core';
import '../backend/tfjs-runtime';
import { createFastBatchMatMul, createFastFusedMatMul } from './wasm-batch-mat-mul';
import { createLeadingAxesSum } from './leading-axes-sum';
import { createRowGather } from './row-gather';
import { createSharedIdentity } from './shared-identity';
import { unsortedSegmentSumWasm } from './unsorted-segment-sum';

let stockBatchMatMul: tf.KernelConfig | undefined;
let stockSum: tf.KernelConfig | undefined;
let stockIdentity: tf.KernelConfig | undefined;
let stockGather: tf.KernelConfig | undefined;
let stockFusedMatMul: tf.KernelConfig | undefined;

function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

/**
 * Registers the toolkit's wasm kernels: a BatchMatMul and a bias-only _FusedMatMul on the toolkit's SIMD
 * gemm (XNNPACK for every product on the threaded build), a Sum that reduces leading axes without a transpose, an Identity that
 * shares memory instead of copying, a GatherV2 that copies embedding rows, and the missing
 * UnsortedSegmentSum. Idempotent.
 * Needs `@tensorflow/tfjs-backend-wasm` to be imported.
 */
export function registerFastWasmKernels(): void {
  const current = tf.getKernel('BatchMatMul', 'wasm');
  if (!current) throw new Error('the wasm backend is not loaded: import @tensorflow/tfjs-backend-wasm first');
  stockBatchMatMul ??= current;
  const stock = stockBatchMatMul;
  replaceKernel({ kernelName: 'BatchMatMul', backendName: 'wasm', setupFunc: stock.setupFunc, kernelFunc: createFastBatchMatMul(stock.kernelFunc) });
  stockSum ??= tf.getKernel('Sum', 'wasm');
  const sum = stockSum;
  replaceKernel({ kernelName: 'Sum', backendName: 'wasm', setupFunc: sum.setupFunc, kernelFunc: createLeadingAxesSum(sum.kernelFunc) });
  stockIdentity ??= tf.getKernel('Identity', 'wasm');
  const identity = stockIdentity;
  replaceKernel({ kernelName: 'Identity', backendName: 'wasm', setupFunc: identity.setupFunc, kernelFunc: createSharedIdentity(identity.kernelFunc) });
  stockFusedMatMul ??= tf.getKernel('_FusedMatMul', 'wasm');
  const fused = stockFusedMatMul;
  replaceKernel({ kernelName: '_FusedMatMul', backendName: 'wasm', setupFunc: fused.setupFunc, kernelFunc: createFastFusedMatMul(fused.kernelFunc) });
  stockGather ??= tf.getKernel('GatherV2', 'wasm');
  const gather = stockGather;
  replaceKernel({ kernelName: 'GatherV2', backendName: 'wasm', setupFunc: gather.setupFunc, kernelFunc: createRowGather(gather.kernelFunc) });
  replaceKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSumWasm as unknown as tf.KernelFunc });
}

/**
 * Puts tfjs-backend-wasm's own BatchMatMul, _FusedMatMul, Sum, Identity and GatherV2 back (UnsortedSegmentSum stays, since without it
 * no model with an embedding can train on wasm). For side-by-side benchmarks.
 */
export function useStockWasmKernels(): void {
  if (stockBatchMatMul) replaceKernel(stockBatchMatMul);
  if (stockSum) replaceKernel(stockSum);
  if (stockIdentity) replaceKernel(stockIdentity);
  if (stockGather) replaceKernel(stockGather);
  if (stockFusedMatMul) replaceKernel(stockFusedMatMul);
}

/** Former name of `useStockWasmKernels` (kept: @vlm/train's benchmark imports it). */
export const useStockWasmBatchMatMul = useStockWasmKernels;
