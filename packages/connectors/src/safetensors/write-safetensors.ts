import { VlmError } from '@vlm/core';
import { DTYPE_BYTES, DTYPE_RANK, type SafetensorsDtype, floatToBf16, floatToHalf } from './dtypes';

/**
 * A tensor to write: its values, shape and stored dtype (default F32). Floats are rounded to the dtype
 * as torch does (nearest even); integer dtypes take integers in range (I64/U64 also bigints, exactly);
 * BOOL stores 1 for every non-zero value.
 */
export interface TensorToWrite {
  shape: number[];
  data: ArrayLike<number> | ArrayLike<bigint>;
  dtype?: SafetensorsDtype;
}

const INT_RANGE: Partial<Record<SafetensorsDtype, [number, number]>> = {
  U8: [0, 255],
  I8: [-128, 127],
  I16: [-32768, 32767],
  U16: [0, 65535],
  I32: [-2147483648, 2147483647],
  U32: [0, 4294967295],
};

function valueError(name: string, index: number, value: unknown, dtype: SafetensorsDtype): never {
  throw new VlmError('safetensors.value', `tensor "${name}" value ${String(value)} at index ${index} is not a valid ${dtype}`, {
    location: { field: name },
    hint: dtype === 'I64' || dtype === 'U64' ? 'pass integers (numbers within Number.MAX_SAFE_INTEGER, or bigints) in range' : 'pass integers within the dtype range, or choose a wider dtype',
  });
}

/** Writes one tensor's values at `pos` of `view` in the dtype's little-endian layout. */
function encodeInto(view: DataView, pos: number, name: string, t: TensorToWrite): void {
  const dtype = t.dtype ?? 'F32';
  const n = t.data.length;
  const at = (i: number) => t.data[i] as number | bigint;
  const num = (i: number): number => {
    const v = at(i);
    return typeof v === 'bigint' ? Number(v) : v;
  };
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < n; i++) view.setFloat32(pos + i * 4, num(i), true);
      return;
    case 'F64':
      for (let i = 0; i < n; i++) view.setFloat64(pos + i * 8, num(i), true);
      return;
    case 'F16':
      for (let i = 0; i < n; i++) view.setUint16(pos + i * 2, floatToHalf(num(i)), true);
      return;
    case 'BF16':
      for (let i = 0; i < n; i++) view.setUint16(pos + i * 2, floatToBf16(num(i)), true);
      return;
    case 'BOOL':
      for (let i = 0; i < n; i++) view.setUint8(pos + i, num(i) ? 1 : 0);
      return;
    case 'I64':
    case 'U64': {
      const [lo, hi] = dtype === 'I64' ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
      for (let i = 0; i < n; i++) {
        const v = at(i);
        if (typeof v === 'number' && !Number.isSafeInteger(v)) valueError(name, i, v, dtype);
        const b = BigInt(v);
        if (b < lo || b > hi) valueError(name, i, v, dtype);
        if (dtype === 'I64') view.setBigInt64(pos + i * 8, b, true);
        else view.setBigUint64(pos + i * 8, b, true);
      }
      return;
    }
    default: {
      const [lo, hi] = INT_RANGE[dtype] as [number, number];
      const size = DTYPE_BYTES[dtype];
      for (let i = 0; i < n; i++) {
        const v = num(i);
        if (!Number.isInteger(v) || v < lo || v > hi) valueError(name, i, at(i), dtype);
        const o = pos + i * size;
        if (dtype === 'U8') view.setUint8(o, v);
        else if (dtype === 'I8') view.setInt8(o, v);
        else if (dtype === 'I16') view.setInt16(o, v, true);
        else if (dtype === 'U16') view.setUint16(o, v, true);
        else if (dtype === 'I32') view.setInt32(o, v, true);
        else view.setUint32(o, v, true);
      }
    }
  }
}

// Rust compares names as UTF-8 bytes; so do we (JS string order differs above U+FFFF).
const utf8 = new TextEncoder();
function compareNames(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return x.length - y.length;
}

/** A planned file: the padded header bytes and the tensors in the order their data follows it. */
export interface SafetensorsLayout {
  header: Uint8Array;
  tensors: { name: string; tensor: TensorToWrite; begin: number; end: number }[];
  /** Bytes of the data section. */
  dataLength: number;
}

/**
 * Plans a file exactly as the reference writer (`safetensors.torch.save_file`) does: tensors sorted by
 * dtype alignment (descending, in the reference enum's order) then by name, data packed back to back,
 * `__metadata__` first, compact JSON padded with spaces to a multiple of 8 bytes. Checks names and shapes.
 */
export function planSafetensors(tensors: Record<string, TensorToWrite> | Map<string, TensorToWrite>, metadata?: Record<string, string>): SafetensorsLayout {
  const list = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  for (const [name, t] of list) {
    if (name === '__metadata__') throw new VlmError('safetensors.name', 'a tensor cannot be named __metadata__', { location: { field: name }, hint: 'rename the tensor' });
    const count = t.shape.reduce((p, d) => p * d, 1);
    if (count !== t.data.length) {
      throw new VlmError('safetensors.shape', `tensor "${name}" has ${t.data.length} values but shape [${t.shape}] needs ${count}`, { location: { field: name }, hint: 'pass data matching the shape' });
    }
  }
  list.sort(([a, x], [b, y]) => DTYPE_RANK[y.dtype ?? 'F32'] - DTYPE_RANK[x.dtype ?? 'F32'] || compareNames(a, b));
  const header: Record<string, unknown> = {};
  if (metadata) {
    // The reference keeps an empty map ("__metadata__":{}) and writes nothing for None.
    const sorted: Record<string, string> = {};
    for (const k of Object.keys(metadata).sort(compareNames)) sorted[k] = metadata[k] as string;
    header.__metadata__ = sorted;
  }
  let offset = 0;
  const planned: SafetensorsLayout['tensors'] = [];
  for (const [name, t] of list) {
    const dtype = t.dtype ?? 'F32';
    const size = t.data.length * DTYPE_BYTES[dtype];
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    planned.push({ name, tensor: t, begin: offset, end: offset + size });
    offset += size;
  }
  const json = utf8.encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20, 8 + json.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return { header: out, tensors: planned, dataLength: offset };
}

/** One tensor's bytes in its dtype's little-endian layout. */
export function encodeTensor(name: string, t: TensorToWrite): Uint8Array {
  const out = new Uint8Array(t.data.length * DTYPE_BYTES[t.dtype ?? 'F32']);
  encodeInto(new DataView(out.buffer), 0, name, t);
  return out;
}

/**
 * Serialises tensors to safetensors bytes, byte for byte what the reference implementation writes for
 * the same tensors and metadata (see {@link planSafetensors}). Values are checked against their dtype.
 */
export function writeSafetensors(tensors: Record<string, TensorToWrite> | Map<string, TensorToWrite>, metadata?: Record<string, string>): Uint8Array {
  const layout = planSafetensors(tensors, metadata);
  const out = new Uint8Array(layout.header.length + layout.dataLength);
  out.set(layout.header, 0);
  const view = new DataView(out.buffer);
  for (const { name, tensor, begin } of layout.tensors) encodeInto(view, layout.header.length + begin, name, tensor);
  return out;
}
