import { VlmError } from '@vlm/core';
import { floatToHalf } from './dtypes';

/** A tensor to write: float data, its shape, and the stored dtype (default F32). */
export interface TensorToWrite {
  shape: number[];
  data: Float32Array | ArrayLike<number>;
  dtype?: 'F32' | 'F16';
}

/**
 * Serialises tensors to safetensors bytes: names in the given order, data packed back to back,
 * the header padded with spaces to a multiple of 8, optional `__metadata__` (string values).
 */
export function writeSafetensors(tensors: Record<string, TensorToWrite> | Map<string, TensorToWrite>, metadata?: Record<string, string>): Uint8Array {
  const list = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of list) {
    if (name === '__metadata__') throw new VlmError('safetensors.name', 'a tensor cannot be named __metadata__', { location: { field: name }, hint: 'rename the tensor' });
    const count = t.shape.reduce((p, d) => p * d, 1);
    if (count !== t.data.length) {
      throw new VlmError('safetensors.shape', `tensor "${name}" has ${t.data.length} values but shape [${t.shape}] needs ${count}`, { location: { field: name }, hint: 'pass data matching the shape' });
    }
    const size = count * (t.dtype === 'F16' ? 2 : 4);
    header[name] = { dtype: t.dtype ?? 'F32', shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  const jsonBytes = new TextEncoder().encode(json);
  const padded = Math.ceil(jsonBytes.length / 8) * 8;
  json += ' '.repeat(padded - jsonBytes.length);
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(padded), true);
  out.set(new TextEncoder().encode(json), 8);
  let pos = 8 + padded;
  for (const [, t] of list) {
    if (t.dtype === 'F16') {
      for (let i = 0; i < t.data.length; i++, pos += 2) view.setUint16(pos, floatToHalf(t.data[i] as number), true);
    } else {
      for (let i = 0; i < t.data.length; i++, pos += 4) view.setFloat32(pos, t.data[i] as number, true);
    }
  }
  return out;
}
