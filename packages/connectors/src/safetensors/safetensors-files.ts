import { type FileHandle, open, readFile, rename, rm } from 'node:fs/promises';
import { VlmError } from '@vlm/core';
import { type DecodeOptions, type SafeTensor, type SafetensorsEntry, type SafetensorsFile, decodeTensor, headerLength, parseSafetensorsHeader, readSafetensors } from './read-safetensors';
import { type TensorToWrite, encodeTensor, planSafetensors } from './write-safetensors';

function readError(path: string, error: unknown): VlmError {
  return new VlmError('safetensors.read', `cannot read ${path}: ${(error as Error).message}`, { location: { file: path }, hint: 'check the path', cause: error });
}

/** Reads a whole safetensors file from disk (Node only); tensors are decoded lazily, one per request. */
export async function readSafetensorsFile(path: string): Promise<SafetensorsFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw readError(path, error);
  }
  return readSafetensors(bytes, path);
}

/**
 * A safetensors file opened for reading one tensor at a time: only the header is in memory; `read`
 * fetches and decodes one tensor's bytes. Close it when done.
 */
export interface SafetensorsReader {
  path: string;
  metadata: Record<string, string>;
  /** Header entries in file order. */
  entries: readonly SafetensorsEntry[];
  /** The entry of `name`, if the file holds it. */
  entry(name: string): SafetensorsEntry | undefined;
  /** Reads and decodes one tensor; a missing name throws `safetensors.not-found`. */
  read(name: string, options?: DecodeOptions): Promise<SafeTensor>;
  /**
   * Reads one tensor's raw little-endian bytes; with `scratch` large enough, into it (the result is a view
   * on it, valid until the scratch is reused), so a loop over tensors allocates nothing per tensor.
   * `range` reads only part of the tensor (byte offset and length within it).
   */
  readBytes(name: string, scratch?: Uint8Array, range?: { offset: number; length: number }): Promise<Uint8Array>;
  close(): Promise<void>;
}

async function readAt(handle: FileHandle, position: number, length: number, path: string, scratch?: Uint8Array): Promise<Uint8Array> {
  const out = scratch && scratch.byteLength >= length ? scratch.subarray(0, length) : new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(out, done, length - done, position + done);
    if (bytesRead === 0) throw new VlmError('safetensors.truncated', `${path} ended at byte ${position + done}, expected ${position + length}`, { location: { file: path }, hint: 're-download or re-export the file' });
    done += bytesRead;
  }
  return out;
}

/** Opens a safetensors file, validating its header, for reading tensors one at a time (Node only). */
export async function openSafetensorsFile(path: string): Promise<SafetensorsReader> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw readError(path, error);
  }
  try {
    const { size } = await handle.stat();
    const n = headerLength(await readAt(handle, 0, Math.min(8, size), path), size, path);
    const header = parseSafetensorsHeader(await readAt(handle, 8, n, path), size, path);
    const byName = new Map(header.entries.map((e) => [e.name, e]));
    const entryOf = (name: string): SafetensorsEntry => {
      const entry = byName.get(name);
      if (!entry) throw new VlmError('safetensors.not-found', `${path} has no tensor named "${name}"`, { location: { file: path, field: name }, hint: 'check the tensor name and the key prefix' });
      return entry;
    };
    return {
      path,
      metadata: header.metadata,
      entries: header.entries,
      entry: (name) => byName.get(name),
      async read(name, options) {
        const entry = entryOf(name);
        return decodeTensor(entry, await readAt(handle, header.dataStart + entry.begin, entry.end - entry.begin, path), options, path, true);
      },
      async readBytes(name, scratch, range) {
        const entry = entryOf(name);
        const size = entry.end - entry.begin;
        const offset = range?.offset ?? 0;
        const length = range?.length ?? size - offset;
        if (offset < 0 || length < 0 || offset + length > size) throw new VlmError('safetensors.range', `bytes ${offset}..${offset + length} are outside tensor "${name}" (${size} bytes)`, { location: { file: path, field: name } });
        return readAt(handle, header.dataStart + entry.begin + offset, length, path, scratch);
      },
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * Writes a safetensors file atomically (temporary file, then rename), so a failure never leaves half a
 * file. Byte-identical to the reference writer; tensors are encoded one at a time, so memory holds one
 * encoded tensor beside the inputs.
 */
export async function writeSafetensorsFile(path: string, tensors: Record<string, TensorToWrite> | Map<string, TensorToWrite>, metadata?: Record<string, string>): Promise<void> {
  const layout = planSafetensors(tensors, metadata);
  const tmp = `${path}.tmp-${process.pid}`;
  const handle = await open(tmp, 'w');
  try {
    await handle.write(layout.header);
    for (const { name, tensor } of layout.tensors) await handle.write(encodeTensor(name, tensor));
    await handle.close();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw error;
  }
  await rename(tmp, path);
}
