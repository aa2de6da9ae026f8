/**
 * safetensors dtypes this package reads and writes (every dtype of the format but the FP8 ones).
 * Listed in the reference implementation's order of increasing alignment, which is also the order its
 * writer sorts by (descending), so {@link DTYPE_RANK} is the index here.
 */
export const SAFETENSORS_DTYPES = ['BOOL', 'U8', 'I8', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64'] as const;

/** A safetensors dtype this package reads and writes. */
export type SafetensorsDtype = (typeof SAFETENSORS_DTYPES)[number];

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Record<SafetensorsDtype, number> = { BOOL: 1, U8: 1, I8: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8 };

/**
 * Position of each dtype in the reference `Dtype` enum (safetensors/src/tensor.rs), FP8 variants
 * included; the reference writer lays tensors out by this rank, highest first, then by name.
 */
export const DTYPE_RANK: Record<SafetensorsDtype, number> = { BOOL: 0, U8: 1, I8: 2, I16: 5, U16: 6, F16: 7, BF16: 8, I32: 9, U32: 10, F32: 11, F64: 12, I64: 13, U64: 14 };

/** Whether `value` names a dtype this package handles. */
export function isSafetensorsDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.hasOwn(DTYPE_BYTES, value);
}

/** IEEE 754 half -> float. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float -> IEEE 754 half, rounding to nearest even (overflow gives infinity), as torch's `.half()` does. */
export function floatToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** bfloat16 -> float: the 16 bits are the top half of a float32. */
export function bf16ToFloat(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0] as number;
}

/**
 * float -> bfloat16 bits, rounding the float32 value to nearest even; NaN becomes the quiet NaN 0x7fc0.
 * The same rule as torch's `.to(torch.bfloat16)` (c10 `round_to_nearest_even`).
 */
export function floatToBf16(value: number): number {
  f32[0] = value;
  if (Number.isNaN(f32[0])) return 0x7fc0;
  const bits = u32[0] as number;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}
