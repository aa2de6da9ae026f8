import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VlmError } from '@vlm/core';
import { describe, expect, it } from 'vitest';
import { bf16ToFloat, floatToBf16, floatToHalf, halfToFloat } from './dtypes';
import { readSafetensors } from './read-safetensors';
import { openSafetensorsFile, readSafetensorsFile, writeSafetensorsFile } from './safetensors-files';
import { writeSafetensors } from './write-safetensors';
import { referenceTensors } from './__fixtures__/reference-tensors';

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
    expect(back.entries).toEqual([{ name: 'attn.0', dtype: 'F32', shape: [1, 2, 3], begin: 0, end: 24 }]);
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
    expect(tensors.get('l')!.data).toEqual(new BigInt64Array([-7n, 42n]));
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
    expect(header.w).toEqual({ dtype: 'F16', shape: [2, 2], data_offsets: [8, 16] }); // after the wider F32 tensor
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
    expect(codeOf(() => readSafetensors(rawFile({ a: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(8))))).toBe('safetensors.dtype');
    const notJson = rawFile({}, new Uint8Array(0));
    notJson[8] = 0x5b;
    expect(codeOf(() => readSafetensors(notJson))).toBe('safetensors.header-json');
  });

  it('decodes lazily: an I64 beyond int32 leaves the file readable and is exact as a bigint', () => {
    const data = new Uint8Array(16 + 8);
    const v = new DataView(data.buffer);
    v.setBigInt64(0, 2n ** 40n + 3n, true);
    v.setBigInt64(8, -5n, true);
    v.setFloat32(16, 1.5, true);
    v.setFloat32(20, -2, true);
    const file = readSafetensors(rawFile({ ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] }, w: { dtype: 'F32', shape: [2], data_offsets: [16, 24] } }, data));
    expect(file.tensors.get('w')!.data).toEqual(new Float32Array([1.5, -2]));
    expect(file.tensor('ids').data).toEqual(new BigInt64Array([2n ** 40n + 3n, -5n]));
    expect(codeOf(() => file.tensor('ids', { int64: 'int32' }))).toBe('safetensors.int-range');
    expect(codeOf(() => file.tensor('nope'))).toBe('safetensors.not-found');
    const small = readSafetensors(writeSafetensors({ ids: { shape: [2], data: [7, -2147483648], dtype: 'I64' } }));
    expect(small.tensor('ids', { int64: 'int32' }).data).toEqual(new Int32Array([7, -2147483648]));
  });

  it('writes and reads back every dtype exactly', () => {
    const tensors = {
      f64: { shape: [2], data: [Math.PI, -1e300], dtype: 'F64' as const },
      f32: { shape: [2], data: [0.1, -3], dtype: 'F32' as const },
      f16: { shape: [2], data: [0.5, -65504], dtype: 'F16' as const },
      bf16: { shape: [3], data: [1, -3, 0.1], dtype: 'BF16' as const },
      i64: { shape: [3], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 0n]), dtype: 'I64' as const },
      u64: { shape: [1], data: [2n ** 64n - 1n], dtype: 'U64' as const },
      i32: { shape: [2], data: [-2147483648, 2147483647], dtype: 'I32' as const },
      u32: { shape: [1], data: [4294967295], dtype: 'U32' as const },
      i16: { shape: [1], data: [-32768], dtype: 'I16' as const },
      u16: { shape: [1], data: [65535], dtype: 'U16' as const },
      i8: { shape: [1], data: [-128], dtype: 'I8' as const },
      u8: { shape: [2, 2], data: [0, 1, 254, 255], dtype: 'U8' as const },
      bool: { shape: [3], data: [1, 0, 5], dtype: 'BOOL' as const },
    };
    const file = readSafetensors(writeSafetensors(tensors));
    expect(file.tensor('f64').data).toEqual(new Float64Array([Math.PI, -1e300]));
    expect(file.tensor('f32').data).toEqual(new Float32Array([0.1, -3]));
    expect(file.tensor('f16').data).toEqual(new Float32Array([0.5, -65504]));
    expect(file.tensor('bf16').data).toEqual(new Float32Array([1, -3, bf16ToFloat(floatToBf16(0.1))]));
    expect(file.tensor('i64').data).toEqual(new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 0n]));
    expect(file.tensor('u64').data).toEqual(new BigUint64Array([2n ** 64n - 1n]));
    expect(file.tensor('i32').data).toEqual(new Int32Array([-2147483648, 2147483647]));
    expect(file.tensor('u32').data).toEqual(new Uint32Array([4294967295]));
    expect(file.tensor('i16').data).toEqual(new Int16Array([-32768]));
    expect(file.tensor('u16').data).toEqual(new Uint16Array([65535]));
    expect(file.tensor('i8').data).toEqual(new Int8Array([-128]));
    expect(file.tensor('u8')).toEqual({ dtype: 'U8', shape: [2, 2], data: new Uint8Array([0, 1, 254, 255]) });
    expect(file.tensor('bool')).toEqual({ dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) });
    // the reference layout: widest alignment first (U64, I64, F64, F32, U32, I32, BF16, F16, ...), then by name
    expect(file.entries.map((e) => e.name)).toEqual(['u64', 'i64', 'f64', 'f32', 'u32', 'i32', 'bf16', 'f16', 'u16', 'i16', 'i8', 'u8', 'bool']);
  });

  it('rounds BF16 to nearest even as torch does and rejects values a dtype cannot hold', () => {
    expect(floatToBf16(1)).toBe(0x3f80);
    expect(floatToBf16(1 + 2 ** -8)).toBe(0x3f80); // halfway, even stays
    expect(floatToBf16(1 + 3 * 2 ** -8)).toBe(0x3f82); // halfway, odd rounds up
    expect(floatToBf16(Number.NaN)).toBe(0x7fc0);
    expect(floatToBf16(-Infinity)).toBe(0xff80);
    expect(codeOf(() => writeSafetensors({ a: { shape: [1], data: [256], dtype: 'U8' } }))).toBe('safetensors.value');
    expect(codeOf(() => writeSafetensors({ a: { shape: [1], data: [1.5], dtype: 'I32' } }))).toBe('safetensors.value');
    expect(codeOf(() => writeSafetensors({ a: { shape: [1], data: [2 ** 60], dtype: 'I64' } }))).toBe('safetensors.value');
    expect(codeOf(() => writeSafetensors({ a: { shape: [1], data: [-1n], dtype: 'U64' } }))).toBe('safetensors.value');
    expect(codeOf(() => writeSafetensors({ a: { shape: [2], data: [1] } }))).toBe('safetensors.shape');
  });

  it('opens a file and reads one tensor at a time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vlm-st-'));
    const path = join(dir, 'm.safetensors');
    await writeSafetensorsFile(path, { b: { shape: [2], data: [3, 4] }, a: { shape: [1, 2], data: [1, 2], dtype: 'BF16' }, ids: { shape: [1], data: [2n ** 40n], dtype: 'I64' } }, { format: 'pt' });
    const reader = await openSafetensorsFile(path);
    try {
      expect(reader.metadata).toEqual({ format: 'pt' });
      expect(reader.entries.map((e) => [e.name, e.dtype])).toEqual([['ids', 'I64'], ['b', 'F32'], ['a', 'BF16']]);
      expect(await reader.read('a')).toEqual({ dtype: 'BF16', shape: [1, 2], data: new Float32Array([1, 2]) });
      expect((await reader.read('ids')).data).toEqual(new BigInt64Array([2n ** 40n]));
      await expect(reader.read('ids', { int64: 'int32' })).rejects.toMatchObject({ code: 'safetensors.int-range' });
      await expect(reader.read('c')).rejects.toMatchObject({ code: 'safetensors.not-found' });
    } finally {
      await reader.close();
    }
    await expect(openSafetensorsFile(join(dir, 'none.safetensors'))).rejects.toMatchObject({ code: 'safetensors.read' });
  });

  it('writes byte for byte what the Python safetensors library wrote (golden file, every dtype)', () => {
    // __fixtures__/reference.safetensors: packages/train/test/interop/safetensors_reference.py (safetensors 0.8.0, torch 2.13)
    const golden = new Uint8Array(readFileSync(new URL('./__fixtures__/reference.safetensors', import.meta.url)));
    expect(Buffer.compare(Buffer.from(writeSafetensors(referenceTensors(), { format: 'pt' })), Buffer.from(golden))).toBe(0);
    const file = readSafetensors(golden);
    expect(file.tensor('input_ids').data).toEqual(new BigInt64Array([1n, 32000n, -200n, 2n ** 40n, -(2n ** 63n), 2n ** 63n - 1n]));
    expect(codeOf(() => file.tensor('input_ids', { int64: 'int32' }))).toBe('safetensors.int-range');
    expect(file.tensor('lm_head.weight').data).toEqual(new Float32Array([1, 2, 3]));
    expect(file.tensor('a.scalar')).toEqual({ dtype: 'F32', shape: [], data: new Float32Array([7]) });
    expect(file.tensor('z.empty').shape).toEqual([0, 3]);
  });
});
