import { VlmError } from '@vlm/core';
import { DTYPE_BYTES, bf16ToFloat, halfToFloat, type SafetensorsDtype } from './dtypes';

/** One tensor read from a safetensors file, widened to what TF.js holds. */
export interface SafeTensor {
  /** dtype as stored in the file. */
  dtype: SafetensorsDtype;
  shape: number[];
  /** F32/F16/BF16 -> Float32Array; I64/I32 -> Int32Array (I64 must fit in 32 bits); U8/BOOL -> Uint8Array. */
  data: Float32Array | Int32Array | Uint8Array;
}

/** The contents of a safetensors file. */
export interface SafetensorsFile {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

/** Largest header accepted (the reference implementation's limit is 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

function fail(code: string, message: string, source: string | undefined, field?: string, hint?: string): never {
  throw new VlmError(`safetensors.${code}`, message, {
    location: { ...(source ? { file: source } : {}), ...(field ? { field } : {}) },
    hint: hint ?? 'the file is not a valid safetensors file; re-export it (e.g. safetensors.torch.save_file)',
  });
}

function isDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && value in DTYPE_BYTES;
}

function decode(dtype: SafetensorsDtype, bytes: Uint8Array, count: number, name: string, source?: string): SafeTensor['data'] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case 'F16':
    case 'BF16': {
      const out = new Float32Array(count);
      const widen = dtype === 'F16' ? halfToFloat : bf16ToFloat;
      for (let i = 0; i < count; i++) out[i] = widen(view.getUint16(i * 2, true));
      return out;
    }
    case 'I32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
      return out;
    }
    case 'I64': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const v = view.getBigInt64(i * 8, true);
        if (v > 2147483647n || v < -2147483648n) fail('int-range', `I64 value ${v} of "${name}" does not fit in int32`, source, name, 'TF.js holds integers as int32');
        out[i] = Number(v);
      }
      return out;
    }
    case 'U8':
    case 'BOOL':
      return bytes.slice(0, count);
  }
}

/**
 * Parses a safetensors file (u64 LE header length, JSON header, raw little-endian data). Rejects
 * truncated files, oversized headers, unknown dtypes, and data offsets that overlap, leave gaps or
 * disagree with shape x dtype, with a `VlmError` naming the tensor. `source` names the file in errors.
 */
export function readSafetensors(input: Uint8Array | ArrayBuffer, source?: string): SafetensorsFile {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (bytes.byteLength < 8) fail('truncated', `file has ${bytes.byteLength} bytes, fewer than the 8-byte header length`, source);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) fail('header-too-large', `header length ${headerLength} exceeds ${MAX_HEADER_BYTES} bytes`, source);
  const n = Number(headerLength);
  if (8 + n > bytes.byteLength) fail('truncated', `header claims ${n} bytes but the file has only ${bytes.byteLength - 8} after the length`, source);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (error) {
    fail('header-json', `header is not UTF-8 JSON: ${(error as Error).message}`, source);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('header-json', 'header is not a JSON object', source);
  const data = bytes.subarray(8 + n);
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object') fail('metadata', '__metadata__ is not an object', source, name);
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail('metadata', `__metadata__.${k} is not a string`, source, `__metadata__.${k}`);
        metadata[k] = v;
      }
      continue;
    }
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!isDtype(info?.dtype)) fail('dtype', `tensor "${name}" has unsupported dtype ${JSON.stringify(info?.dtype)}`, source, name, `supported: ${Object.keys(DTYPE_BYTES).join(', ')}`);
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) fail('shape', `tensor "${name}" has an invalid shape`, source, name);
    const offsets = info.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      fail('offsets', `tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`, source, name);
    }
    const count = (shape as number[]).reduce((p, d) => p * d, 1);
    const [begin, end] = offsets as [number, number];
    if (end - begin !== count * DTYPE_BYTES[info.dtype]) {
      fail('offsets', `tensor "${name}" spans ${end - begin} bytes but shape [${shape}] of ${info.dtype} needs ${count * DTYPE_BYTES[info.dtype]}`, source, name);
    }
    entries.push({ name, dtype: info.dtype, shape: shape as number[], begin, end });
  }
  const sorted = [...entries].sort((x, y) => x.begin - y.begin || x.end - y.end);
  let cursor = 0;
  for (const e of sorted) {
    if (e.begin < cursor) fail('offsets-overlap', `tensor "${e.name}" starts at byte ${e.begin}, inside the previous tensor (ends at ${cursor})`, source, e.name);
    if (e.begin > cursor) fail('offsets-gap', `bytes ${cursor}..${e.begin} before tensor "${e.name}" belong to no tensor`, source, e.name);
    cursor = e.end;
  }
  if (cursor > data.byteLength) fail('truncated', `data section has ${data.byteLength} bytes but tensors need ${cursor}`, source);
  if (cursor < data.byteLength) fail('offsets-gap', `${data.byteLength - cursor} trailing data bytes belong to no tensor`, source);
  const tensors = new Map<string, SafeTensor>();
  for (const e of entries) {
    const count = e.shape.reduce((p, d) => p * d, 1);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: decode(e.dtype, data.subarray(e.begin, e.end), count, e.name, source) });
  }
  return { tensors, metadata };
}
