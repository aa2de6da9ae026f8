import { readFile, rename, writeFile } from 'node:fs/promises';
import { VlmError } from '@vlm/core';
import { readSafetensors, type SafetensorsFile } from './read-safetensors';
import { writeSafetensors, type TensorToWrite } from './write-safetensors';

/** Reads and parses a safetensors file from disk (Node only). */
export async function readSafetensorsFile(path: string): Promise<SafetensorsFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new VlmError('safetensors.read', `cannot read ${path}: ${(error as Error).message}`, { location: { file: path }, hint: 'check the path', cause: error });
  }
  return readSafetensors(bytes, path);
}

/** Writes a safetensors file atomically (temporary file, then rename), so a failure never leaves half a file. */
export async function writeSafetensorsFile(path: string, tensors: Record<string, TensorToWrite> | Map<string, TensorToWrite>, metadata?: Record<string, string>): Promise<void> {
  const bytes = writeSafetensors(tensors, metadata);
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}
