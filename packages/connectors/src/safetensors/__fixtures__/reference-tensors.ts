import type { TensorToWrite } from '../write-safetensors';

/** The tensors of packages/train/test/interop/safetensors_reference.py, built the same way on the Node side (float32 values, then cast). */
export function referenceTensors(): Map<string, TensorToWrite> {
  return new Map<string, TensorToWrite>([
    ['model.embed_tokens.weight', { shape: [2, 3], data: [0.1, -3, 1e-8, 2.5, -0, 65504] }],
    ['lm_head.weight', { shape: [1, 3], data: [1, 2, 3], dtype: 'BF16' }],
    ['bf16.rounding', { shape: [6], data: [0.1, 3.14159, -1e-3, 1.00390625, 1.01171875, 3e38], dtype: 'BF16' }],
    ['f16.values', { shape: [5], data: [0.1, -2, 6.1e-5, 65504, 1e-7], dtype: 'F16' }],
    ['f64.values', { shape: [2], data: [3.141592653589793, -1e300], dtype: 'F64' }],
    ['input_ids', { shape: [2, 3], data: [1n, 32000n, -200n, 2n ** 40n, -(2n ** 63n), 2n ** 63n - 1n], dtype: 'I64' }],
    ['positions', { shape: [3], data: [0, -1, 2147483647], dtype: 'I32' }],
    ['pixels', { shape: [2, 2], data: [0, 127, 128, 255], dtype: 'U8' }],
    ['attention_mask', { shape: [1, 3], data: [1, 0, 1], dtype: 'BOOL' }],
    ['a.scalar', { shape: [], data: [7] }],
    ['z.empty', { shape: [0, 3], data: [] }],
  ]);
}
