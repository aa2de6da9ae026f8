import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VlmError } from '@vlm/core';
import { describe, expect, it } from 'vitest';
import { bf16ToFloat, floatToHalf, halfToFloat } from './dtypes';
import { readSafetensors } from './read-safetensors';
import { readSafetensorsFile, writeSafetensorsFile } from './safetensors-files';
import { writeSafetensors } from './write-safetensors';

/** Builds a file by hand from a header object and raw data, as another writer would. */
function rawFile(header: unknown, data: Uint8Array, pad = true): Uint8Array {
  let json = JSON.stringify(header);
  if (pad) json += ' '.repeat((8 - (json.length % 8)) % 8);
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(VlmError);
    return (error as VlmError).code;
  }
  throw new Error('expected a VlmError');
}

describe('safetensors', () => {
  it('writes the 96-byte golden file', () => {
    const bytes = writeSafetensors({ 'attn.0': { shape: [1, 2, 3], data: [0, 1, 2, 3, 4, 5] } });
    expect(bytes.length).toBe(96);
    expect([...bytes.subarray(0, 8)]).toEqual([64, 0, 0, 0, 0, 0, 0, 0]);
    const header = new TextDecoder().decode(bytes.subarray(8, 72));
    expect(header.trimEnd()).toBe('{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}');
    expect([...new Float32Array(bytes.slice(72).buffer)]).toEqual([0, 1, 2, 3, 4, 5]);
    const back = readSafetensors(bytes);
    expect(back.tensors.get('attn.0')).toEqual({ dtype: 'F32', shape: [1, 2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]) });
  });

  it('reads every supported dtype from a hand-built file', () => {
    const data = new Uint8Array(2 + 2 + 16 + 4 + 2 + 2);
    const v = new DataView(data.buffer);
    v.setUint16(0, 0x3c00, true); // F16 1.0
    v.setUint16(2, 0xc040, true); // BF16 -3.0
    v.setBigInt64(4, -7n, true);
    v.setBigInt64(12, 42n, true);
    v.setInt32(20, 123456, true);
    data[24] = 200;
    data[25] = 7;
    data[26] = 1;
    data[27] = 0;
    const file = rawFile(
      {
        h: { dtype: 'F16', shape: [1], data_offsets: [0, 2] },
        b: { dtype: 'BF16', shape: [1], data_offsets: [2, 4] },
        l: { dtype: 'I64', shape: [2], data_offsets: [4, 20] },
        i: { dtype: 'I32', shape: [], data_offsets: [20, 24] },
        u: { dtype: 'U8', shape: [2], data_offsets: [24, 26] },
        m: { dtype: 'BOOL', shape: [2, 1], data_offsets: [26, 28] },
        __metadata__: { format: 'pt' },
      },
      data,
    );
    const { tensors, metadata } = readSafetensors(file.buffer as ArrayBuffer);
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors.get('h')!.data]).toEqual([1]);
    expect([...tensors.get('b')!.data]).toEqual([-3]);
    expect([...tensors.get('l')!.data]).toEqual([-7, 42]);
    expect(tensors.get('i')).toMatchObject({ shape: [], data: new Int32Array([123456]) });
    expect([...tensors.get('u')!.data]).toEqual([200, 7]);
    expect(tensors.get('m')).toMatchObject({ dtype: 'BOOL', shape: [2, 1], data: new Uint8Array([1, 0]) });
  });

  it('converts half precision exactly where representable', () => {
    for (const x of [0, 1, -2, 0.5, 65504, 2 ** -24, 0.333251953125]) expect(halfToFloat(floatToHalf(x))).toBe(x);
    expect(halfToFloat(floatToHalf(70000))).toBe(Number.POSITIVE_INFINITY);
    expect(halfToFloat(0x7e00)).toBeNaN();
    expect(bf16ToFloat(0x3f80)).toBe(1);
  });

  it('round-trips F16 and metadata through a file on disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlm-st-'));
    const path = join(dir, 'w.safetensors');
    await writeSafetensorsFile(path, { w: { shape: [2, 2], data: [1, -0.5, 0.25, 3], dtype: 'F16' }, b: { shape: [2], data: [0.1, 0.2] } }, { format: 'pt' });
    const header = JSON.parse(new TextDecoder().decode(readFileSync(path).subarray(8, 8 + Number(readFileSync(path)[0]))));
    expect(header.w).toEqual({ dtype: 'F16', shape: [2, 2], data_offsets: [0, 8] });
    const back = await readSafetensorsFile(path);
    expect([...back.tensors.get('w')!.data]).toEqual([1, -0.5, 0.25, 3]);
    expect(back.tensors.get('b')!.data[0]).toBeCloseTo(0.1, 7);
    expect(back.metadata).toEqual({ format: 'pt' });
  });

  it('rejects truncated files, bad offsets and oversized headers', () => {
    const good = writeSafetensors({ a: { shape: [2], data: [1, 2] }, b: { shape: [1], data: [3] } });
    expect(codeOf(() => readSafetensors(good.subarray(0, 5)))).toBe('safetensors.truncated');
    expect(codeOf(() => readSafetensors(good.subarray(0, good.length - 1)))).toBe('safetensors.truncated');
    expect(codeOf(() => readSafetensors(good.subarray(0, 20)))).toBe('safetensors.truncated');
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(codeOf(() => readSafetensors(huge))).toBe('safetensors.header-too-large');
    const twelve = new Uint8Array(12);
    expect(codeOf(() => readSafetensors(rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, twelve)))).toBe('safetensors.offsets-overlap');
    expect(codeOf(() => readSafetensors(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8))))).toBe('safetensors.offsets-gap');
    expect(codeOf(() => readSafetensors(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(8))))).toBe('safetensors.offsets-gap');
    expect(codeOf(() => readSafetensors(rawFile({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8))))).toBe('safetensors.offsets');
    expect(codeOf(() => readSafetensors(rawFile({ a: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8))))).toBe('safetensors.dtype');
    expect(codeOf(() => readSafetensors(rawFile({ a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8).fill(0x7f))))).toBe('safetensors.int-range');
    const notJson = rawFile({}, new Uint8Array(0));
    notJson[8] = 0x5b;
    expect(codeOf(() => readSafetensors(notJson))).toBe('safetensors.header-json');
  });
});
