// WebAssembly relaxed SIMD's fused multiply-add (`f32x4.relaxed_madd`), which the toolkit's matrix product
// uses where the engine has it: one instruction instead of a multiply and an add per 4 lanes. Browsers
// have shipped it since Chrome 114 / V8 11.4; Node 20's V8 (11.3) has it behind
// `--experimental-wasm-relaxed-simd`, which is turned on here for the process when nothing else has (the
// proposal is standardised, and the flag only lets modules use it). `VLM_WASM_FMA=0` keeps separate
// multiplies and adds (results then round as before, in the last bits).
import { assembleWat } from './wat-assembler';

const PROBE = '(module (func (param $a v128) (result v128) (f32x4.relaxed_madd (local.get $a) (local.get $a) (local.get $a))))';

let available: boolean | undefined;

function validates(): boolean {
  try {
    return WebAssembly.validate(assembleWat(PROBE) as BufferSource);
  } catch {
    return false;
  }
}

type NodeProcess = { env?: Record<string, string | undefined>; getBuiltinModule?: (id: string) => unknown };

/** Whether the engine validates relaxed SIMD, in Node 20 after turning its flag on. Decided once per process. */
export function relaxedSimdAvailable(): boolean {
  if (available !== undefined) return available;
  available = validates();
  if (!available) {
    const proc = (globalThis as { process?: NodeProcess }).process;
    const v8 = proc?.getBuiltinModule?.('node:v8') as { setFlagsFromString?: (flags: string) => void } | undefined;
    if (v8?.setFlagsFromString) {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
      available = validates();
    }
  }
  return available;
}

/** Whether the toolkit's wasm products fuse multiply-adds: relaxed SIMD is available and `VLM_WASM_FMA` is not `0`. */
export function fusedMultiplyAdd(): boolean {
  return (globalThis as { process?: NodeProcess }).process?.env?.VLM_WASM_FMA !== '0' && relaxedSimdAvailable();
}
