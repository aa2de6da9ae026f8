import { VlmError } from '@vlm/core';
import { DTYPE_BYTES, SAFETENSORS_DTYPES, bf16ToFloat, halfToFloat, isSafetensorsDtype, type SafetensorsDtype } from './dtypes';

/** Decoded values: floats widen to Float32Array (F64 stays Float64Array), integers keep their width. */
export type SafeTensorData = Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array | BigInt64Array | BigUint64Array;

/** One tensor read from a safetensors file. */
export interface SafeTensor {
  /** dtype as stored in the file. */
  dtype: SafetensorsDtype;
  shape: number[];
  /**
   * F32/F16/BF16 -> Float32Array (exact); F64 -> Float64Array; I64 -> BigInt64Array and U64 ->
   * BigUint64Array (exact), or Int32Array when {@link DecodeOptions.int64} is `'int32'`; I32, U32, I16,
   * U16, I8 -> their typed arrays; U8/BOOL -> Uint8Array.
   */
  data: SafeTensorData;
}

/** How a tensor is decoded. */
export interface DecodeOptions {
  /** `'bigint'` (default) keeps I64/U64 exact; `'int32'` converts, failing if a value does not fit (TF.js holds int32). */
  int64?: 'bigint' | 'int32';
}

/** One tensor's header entry; offsets are relative to the start of the data section. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

/** A parsed and validated header. */
export interface SafetensorsHeader {
  /** Tensor entries in file (offset) order. */
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  /** Byte offset of the data section in the file (8 + header length). */
  dataStart: number;
  /** Bytes the data section must have. */
  dataLength: number;
}

/**
 * The contents of a safetensors file. Tensors are decoded lazily, one at a time on request: a tensor
 * that cannot be converted (an I64 value out of int32 range asked for as int32) fails only when asked for.
 */
export interface SafetensorsFile {
  /** Every tensor by name; `get` decodes that tensor only (with default options), each call anew. */
  tensors: ReadonlyMap<string, SafeTensor>;
  metadata: Record<string, string>;
  /** Header entries in file order (names, dtypes, shapes) without decoding anything. */
  entries: readonly SafetensorsEntry[];
  /** Decodes one tensor; a missing name throws `safetensors.not-found`. */
  tensor(name: string, options?: DecodeOptions): SafeTensor;
}

/** Largest header accepted (the reference implementation's limit is 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

function fail(code: string, message: string, source: string | undefined, field?: string, hint?: string): never {
  throw new VlmError(`safetensors.${code}`, message, {
    location: { ...(source ? { file: source } : {}), ...(field ? { field } : {}) },
    hint: hint ?? 'the file is not a valid safetensors file; re-export it (e.g. safetensors.torch.save_file)',
  });
}

/** Reads the 8-byte little-endian header length; checks it against the limit and the file size. */
export function headerLength(first8: Uint8Array, fileLength: number, source?: string): number {
  if (fileLength < 8 || first8.byteLength < 8) fail('truncated', `file has ${fileLength} bytes, fewer than the 8-byte header length`, source);
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) fail('header-too-large', `header length ${n} exceeds ${MAX_HEADER_BYTES} bytes`, source);
  if (8 + Number(n) > fileLength) fail('truncated', `header claims ${n} bytes but the file has only ${fileLength - 8} after the length`, source);
  return Number(n);
}

/**
 * Parses and validates the JSON header (`headerBytes`, without the length prefix) of a file of
 * `fileLength` bytes: unknown dtypes, bad shapes, and data offsets that overlap, leave gaps or disagree
 * with shape x dtype fail with a `VlmError` naming the tensor.
 */
export function parseSafetensorsHeader(headerBytes: Uint8Array, fileLength: number, source?: string): SafetensorsHeader {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (error) {
    fail('header-json', `header is not UTF-8 JSON: ${(error as Error).message}`, source);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('header-json', 'header is not a JSON object', source);
  const dataStart = 8 + headerBytes.byteLength;
  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
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
    if (!isSafetensorsDtype(info?.dtype)) fail('dtype', `tensor "${name}" has unsupported dtype ${JSON.stringify(info?.dtype)}`, source, name, `supported: ${SAFETENSORS_DTYPES.join(', ')}`);
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail('shape', `tensor "${name}" has an invalid shape`, source, name);
    const offsets = info.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      fail('offsets', `tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`, source, name);
    }
    const count = (shape as number[]).reduce((p, d) => p * d, 1);
    const [begin, end] = offsets as [number, number];
    if (end - begin !== count * DTYPE_BYTES[info.dtype]) {
      fail('offsets', `tensor "${name}" spans ${end - begin} bytes but shape [${shape}] of ${info.dtype} needs ${count * DTYPE_BYTES[info.dtype]}`, source, name);
    }
    entries.push({ name, dtype: info.dtype, shape: shape as number[], begin, end });
  }
  entries.sort((x, y) => x.begin - y.begin || x.end - y.end);
  let cursor = 0;
  for (const e of entries) {
    if (e.begin < cursor) fail('offsets-overlap', `tensor "${e.name}" starts at byte ${e.begin}, inside the previous tensor (ends at ${cursor})`, source, e.name);
    if (e.begin > cursor) fail('offsets-gap', `bytes ${cursor}..${e.begin} before tensor "${e.name}" belong to no tensor`, source, e.name);
    cursor = e.end;
  }
  const available = fileLength - dataStart;
  if (cursor > available) fail('truncated', `data section has ${available} bytes but tensors need ${cursor}`, source);
  if (cursor < available) fail('offsets-gap', `${available - cursor} trailing data bytes belong to no tensor`, source);
  return { entries, metadata, dataStart, dataLength: cursor };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decodes one tensor from its raw little-endian bytes (exactly `entry.end - entry.begin` of them).
 * With `owned` (the caller hands the bytes over), an aligned F32 tensor is returned as a view on them,
 * without a copy.
 */
export function decodeTensor(entry: SafetensorsEntry, bytes: Uint8Array, options: DecodeOptions = {}, source?: string, owned = false): SafeTensor {
  const count = entry.shape.reduce((p, d) => p * d, 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { dtype, shape } = entry;
  if (dtype === 'F32' && LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) {
    const aligned = new Float32Array(bytes.buffer, bytes.byteOffset, count);
    return { dtype, shape, data: owned ? aligned : aligned.slice() };
  }
  const read = <T extends { [i: number]: number | bigint }>(out: T, get: (offset: number) => number | bigint, size: number): T => {
    for (let i = 0; i < count; i++) out[i] = get(i * size);
    return out;
  };
  switch (dtype) {
    case 'F32':
      return { dtype, shape, data: read(new Float32Array(count), (o) => view.getFloat32(o, true), 4) };
    case 'F64':
      return { dtype, shape, data: read(new Float64Array(count), (o) => view.getFloat64(o, true), 8) };
    case 'F16':
      return { dtype, shape, data: read(new Float32Array(count), (o) => halfToFloat(view.getUint16(o, true)), 2) };
    case 'BF16':
      return { dtype, shape, data: read(new Float32Array(count), (o) => bf16ToFloat(view.getUint16(o, true)), 2) };
    case 'I32':
      return { dtype, shape, data: read(new Int32Array(count), (o) => view.getInt32(o, true), 4) };
    case 'U32':
      return { dtype, shape, data: read(new Uint32Array(count), (o) => view.getUint32(o, true), 4) };
    case 'I16':
      return { dtype, shape, data: read(new Int16Array(count), (o) => view.getInt16(o, true), 2) };
    case 'U16':
      return { dtype, shape, data: read(new Uint16Array(count), (o) => view.getUint16(o, true), 2) };
    case 'I8':
      return { dtype, shape, data: read(new Int8Array(count), (o) => view.getInt8(o), 1) };
    case 'U8':
    case 'BOOL':
      return { dtype, shape, data: bytes.slice(0, count) };
    case 'I64':
    case 'U64': {
      const get = dtype === 'I64' ? (o: number) => view.getBigInt64(o, true) : (o: number) => view.getBigUint64(o, true);
      if (options.int64 !== 'int32') return { dtype, shape, data: read(dtype === 'I64' ? new BigInt64Array(count) : new BigUint64Array(count), get, 8) };
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const v = get(i * 8);
        if (v > 2147483647n || v < -2147483648n) {
          fail('int-range', `${dtype} value ${v} at index ${i} of "${entry.name}" does not fit in int32`, source, entry.name, 'read this tensor with { int64: "bigint" } to get it exactly (TF.js holds integers as int32)');
        }
        out[i] = Number(v);
      }
      return { dtype, shape, data: out };
    }
  }
}

/** A lazy name -> tensor map over one file's entries; `decode` turns an entry into a tensor. */
class LazyTensors implements ReadonlyMap<string, SafeTensor> {
  constructor(
    private readonly byName: ReadonlyMap<string, SafetensorsEntry>,
    private readonly decode: (entry: SafetensorsEntry) => SafeTensor,
  ) {}
  get size(): number {
    return this.byName.size;
  }
  has(name: string): boolean {
    return this.byName.has(name);
  }
  get(name: string): SafeTensor | undefined {
    const entry = this.byName.get(name);
    return entry ? this.decode(entry) : undefined;
  }
  *entries(): MapIterator<[string, SafeTensor]> {
    for (const [name, entry] of this.byName) yield [name, this.decode(entry)];
  }
  keys(): MapIterator<string> {
    return this.byName.keys();
  }
  *values(): MapIterator<SafeTensor> {
    for (const entry of this.byName.values()) yield this.decode(entry);
  }
  forEach(fn: (value: SafeTensor, key: string, map: ReadonlyMap<string, SafeTensor>) => void): void {
    for (const [name, tensor] of this.entries()) fn(tensor, name, this);
  }
  [Symbol.iterator](): MapIterator<[string, SafeTensor]> {
    return this.entries();
  }
}

/**
 * Parses a safetensors file (u64 LE header length, JSON header, raw little-endian data). The header is
 * validated at once (truncation, oversized header, unknown dtype, overlapping / gapped / mis-sized
 * offsets fail with a `VlmError` naming the tensor); tensor data is decoded only when asked for.
 * `source` names the file in errors.
 */
export function readSafetensors(input: Uint8Array | ArrayBuffer, source?: string): SafetensorsFile {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const n = headerLength(bytes.subarray(0, 8), bytes.byteLength, source);
  const header = parseSafetensorsHeader(bytes.subarray(8, 8 + n), bytes.byteLength, source);
  const data = bytes.subarray(header.dataStart);
  const byName = new Map(header.entries.map((e) => [e.name, e]));
  const decode = (entry: SafetensorsEntry, options?: DecodeOptions) => decodeTensor(entry, data.subarray(entry.begin, entry.end), options, source);
  return {
    tensors: new LazyTensors(byName, (e) => decode(e)),
    metadata: header.metadata,
    entries: header.entries,
    tensor(name, options) {
      const entry = byName.get(name);
      if (!entry) fail('not-found', `no tensor named "${name}"`, source, name, `the file holds ${byName.size} tensors, e.g. ${[...byName.keys()].slice(0, 3).join(', ')}`);
      return decode(entry, options);
    },
  };
}
