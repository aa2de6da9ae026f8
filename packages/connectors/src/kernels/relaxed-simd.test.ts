import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gemmWat } from './gemm-wat';
import { fusedMultiplyAdd } from './relaxed-simd';
import { assembleWat } from './wat-assembler';

function choiceInChild(env: Record<string, string>): { fused: boolean; gemmFused: boolean } {
  const run = spawnSync(process.execPath, ['--conditions=@vlm/source', '--import', 'tsx', fileURLToPath(new URL('../backend/__fixtures__/wasm-fma.ts', import.meta.url))], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  expect(run.status, run.stderr.slice(-800)).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').pop() as string);
}

/** Whether `bytes` holds the opcode of f32x4.relaxed_madd (0xfd, LEB128 0x105). */
const hasRelaxedMadd = (bytes: Uint8Array) => bytes.some((b, i) => b === 0xfd && bytes[i + 1] === 0x85 && bytes[i + 2] === 0x02);

describe('fused multiply-add in the wasm products (relaxed SIMD)', () => {
  it("is on in Node 20 and later (Node 20's V8 after its flag, which the toolkit turns on), and the product module then holds relaxed_madd", () => {
    expect(fusedMultiplyAdd()).toBe(true);
    const fused = assembleWat(gemmWat(false, true));
    expect(hasRelaxedMadd(fused)).toBe(true);
    expect(WebAssembly.validate(fused as BufferSource)).toBe(true);
    expect(hasRelaxedMadd(assembleWat(gemmWat(false, false)))).toBe(false);
    expect(hasRelaxedMadd(assembleWat(gemmWat(true, true)))).toBe(true);
  });

  it('is chosen in a fresh process by default, and VLM_WASM_FMA=0 keeps separate multiplies and adds', () => {
    expect(choiceInChild({})).toEqual({ fused: true, gemmFused: true });
    expect(choiceInChild({ VLM_WASM_FMA: '0' })).toEqual({ fused: false, gemmFused: false });
  });
});
