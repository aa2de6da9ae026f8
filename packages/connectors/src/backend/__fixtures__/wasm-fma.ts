// Prints, as one JSON line, whether this process's wasm products fuse multiply-adds (VLM_WASM_FMA is read
// once per process, so its tests run here).
import { fusedMultiplyAdd } from '../../kernels/relaxed-simd';
import { WasmGemm } from '../../kernels/wasm-gemm';

const memory = new WebAssembly.Memory({ initial: 1 });
const heap = { _malloc: () => 1024, _free: () => {}, HEAPF32: new Float32Array(memory.buffer) };
console.log(JSON.stringify({ fused: fusedMultiplyAdd(), gemmFused: new WasmGemm(heap, memory).fused }));
