// Prints, as one JSON line, whether this process's wasm products fuse multiply-adds: the V8 flag and
// VLM_WASM_FMA are process-wide, so the tests of the choice run here, in a child process.
import { fusedMultiplyAdd } from '../../kernels/relaxed-simd';
import { WasmGemm } from '../../kernels/wasm-gemm';

const memory = new WebAssembly.Memory({ initial: 1 });
const heap = { _malloc: () => 1024, _free: () => {}, HEAPF32: new Float32Array(memory.buffer) };
console.log(JSON.stringify({ fused: fusedMultiplyAdd(), gemmFused: new WasmGemm(heap, memory).fused }));
