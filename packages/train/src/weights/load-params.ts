import * as tf from '@tensorflow/tfjs-core';
import { VlmError } from '@vlm/core';
import { DTYPE_BYTES, type SafetensorsEntry, decodeTensor } from '@vlm/connectors';
import { type SafetensorsReader, openSafetensorsFile } from '@vlm/connectors/node';
import { type NamedParam, type ParamSet, upstreamToInternalInto } from '../nn/params';
import type { AssignParamsOptions } from './assign-params';
import { resolveWeightFiles } from './weight-files';

export { assignParams, paramsToStateDict, type AssignParamsOptions } from './assign-params';

const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16', 'F64']);

function dtypeError(key: string, dtype: string, file: string | undefined): VlmError {
  return new VlmError('weights_dtype', `tensor ${key} has dtype ${dtype}, expected a float type`, { location: { file, field: key }, hint: 'weights must be F32, F16, BF16 or F64' });
}

function shapeError(key: string, shape: readonly number[], p: NamedParam, file: string | undefined): VlmError {
  return new VlmError('weights_shape', `tensor ${key} has shape [${shape}] but the config needs [${p.upstreamShape}]`, {
    location: { file, field: key },
    hint: 'the config.json does not match these weights; use the config saved with the checkpoint',
  });
}

interface WasmBackendView {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  refCount?(dataId: object): number;
}

/**
 * Writes tensors into parameters with a fixed amount of extra memory. On the wasm backend the bytes go
 * straight into the variable's own heap memory (a plain F32 tensor is read from the file into it; others
 * are decoded or transposed into it), so loading allocates no second copy of the model; elsewhere the
 * variable is assigned a fresh tensor. One scratch buffer, the size of the largest tensor, is reused.
 */
class ParamWriter {
  private raw = new Uint8Array(0);
  private readonly wasm = tf.getBackend() === 'wasm' ? (tf.backend() as unknown as WasmBackendView) : undefined;

  private scratch(bytes: number): Uint8Array {
    if (this.raw.byteLength < bytes) this.raw = new Uint8Array(bytes);
    return this.raw;
  }

  /** The variable's memory in the wasm heap, when it can be written in place. */
  private heapOf(p: NamedParam): Float32Array | undefined {
    if (!this.wasm || p.variable.dtype !== 'float32') return undefined;
    const { dataId } = p.variable as unknown as { dataId: object };
    const info = this.wasm.dataIdMap.get(dataId);
    if (!info || (this.wasm.refCount && this.wasm.refCount(dataId) !== 1)) return undefined;
    return new Float32Array(this.wasm.wasm.HEAPU8.buffer, info.memoryOffset, p.variable.size);
  }

  async write(p: NamedParam, entry: SafetensorsEntry, reader: SafetensorsReader, file: string): Promise<void> {
    const heap = this.heapOf(p);
    if (heap && p.layout === 'plain' && entry.dtype === 'F32' && LITTLE_ENDIAN) {
      await reader.readBytes(entry.name, new Uint8Array(heap.buffer, heap.byteOffset, heap.byteLength));
      return;
    }
    if (heap) {
      // rows of the upstream tensor, a few MB at a time: decoded, then copied or transposed into place
      const rows = p.upstreamShape[0] ?? 1;
      const cols = p.variable.size / rows;
      const rowBytes = cols * DTYPE_BYTES[entry.dtype];
      const chunkRows = Math.max(1, Math.floor(CHUNK_BYTES / rowBytes));
      for (let r0 = 0; r0 < rows; r0 += chunkRows) {
        const n = Math.min(chunkRows, rows - r0);
        const raw = await reader.readBytes(entry.name, this.scratch(n * rowBytes), { offset: r0 * rowBytes, length: n * rowBytes });
        const t = decodeTensor({ ...entry, shape: [n * cols], begin: 0, end: n * rowBytes }, raw, {}, file, true);
        const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as Float64Array);
        if (p.layout === 'plain') heap.set(data, r0 * cols);
        else for (let r = 0; r < n; r++) for (let c = 0; c < cols; c++) heap[c * rows + r0 + r] = data[r * cols + c] as number;
      }
      return;
    }
    const t = decodeTensor(entry, await reader.readBytes(entry.name, this.scratch(entry.end - entry.begin)), {}, file, true);
    const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as Float64Array);
    // a fresh array: the cpu backend keeps the values it is given, and the scratch is reused
    const values = new Float32Array(data.length);
    upstreamToInternalInto(p, data, values);
    tf.tidy(() => p.variable.assign(tf.tensor(values, p.variable.shape, 'float32')));
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const CHUNK_BYTES = 8 * 1024 * 1024;

/** Options of {@link loadParams}. */
export interface LoadParamsOptions {
  /** Prefix of the upstream keys (`language_model.` ...); ignored when `keyOf` is given. */
  prefix?: string;
  /** The checkpoint key of a parameter (its upstream name); default: prefix + name. */
  keyOf?: (name: string) => string;
}

/** One parameter group to fill from a checkpoint: its params and how their names map to keys. */
export interface ParamTarget extends LoadParamsOptions {
  params: ParamSet;
}

/**
 * Loads several parameter sets from one checkpoint (a folder with `model.safetensors` or sharded files
 * with `model.safetensors.index.json`, or an explicit file). Every header is read and every key, dtype
 * and shape checked first, so a failed load changes no weight; then the shards are opened one at a
 * time and tensors read, converted and assigned one at a time, so memory holds the model plus one tensor.
 */
export async function loadParamTargets(path: string, targets: readonly ParamTarget[]): Promise<void> {
  const { files } = await resolveWeightFiles(path);
  const where = new Map<string, { file: string; entry: SafetensorsEntry }>();
  for (const file of files) {
    const reader = await openSafetensorsFile(file);
    for (const entry of reader.entries) where.set(entry.name, { file, entry });
    await reader.close();
  }
  const plan = new Map<string, [NamedParam, string][]>(files.map((f) => [f, []]));
  for (const target of targets) {
    const keyOf = target.keyOf ?? ((name: string) => (target.prefix ?? '') + name);
    const missing: string[] = [];
    for (const p of target.params.entries()) {
      const key = keyOf(p.name);
      const found = where.get(key);
      if (!found) {
        missing.push(key);
        continue;
      }
      if (!FLOAT_DTYPES.has(found.entry.dtype)) throw dtypeError(key, found.entry.dtype, found.file);
      if (found.entry.shape.join(',') !== p.upstreamShape.join(',')) throw shapeError(key, found.entry.shape, p, found.file);
      plan.get(found.file)?.push([p, key]);
    }
    if (missing.length > 0) {
      throw new VlmError('weights_missing', `${missing.length} ${target.params.owner} tensor(s) missing from ${path}, e.g. ${missing.slice(0, 3).join(', ')}`, {
        location: { file: path, field: missing[0] },
        hint: 'check that the checkpoint belongs to this architecture and config (and the key prefix)',
      });
    }
  }
  const writer = new ParamWriter();
  for (const file of files) {
    const todo = plan.get(file) ?? [];
    if (todo.length === 0) continue;
    const reader = await openSafetensorsFile(file);
    try {
      for (const [p, key] of todo) await writer.write(p, reader.entry(key) as SafetensorsEntry, reader, file);
    } finally {
      await reader.close();
    }
  }
}

/** Loads one parameter set from a checkpoint folder or file; see {@link loadParamTargets}. */
export async function loadParams(params: ParamSet, path: string, options: LoadParamsOptions = {}): Promise<void> {
  await loadParamTargets(path, [{ params, ...options }]);
}

/** @deprecated use {@link loadParams}, which also takes a file or an index. */
export async function loadParamsFromDir(params: ParamSet, dir: string, options: Omit<AssignParamsOptions, 'source' | 'complete'> = {}): Promise<void> {
  await loadParams(params, dir, options);
}

/** The safetensors files of a model folder, sharded or not. */
export async function safetensorsFilesIn(dir: string): Promise<string[]> {
  return (await resolveWeightFiles(dir)).files;
}

