import * as tf from '@tensorflow/tfjs-core';
import { registerFastWasmKernels } from '@vlm/connectors';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** TF.js backends a browser can offer, fastest kind first. */
export type BrowserBackendKind = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BROWSER_BACKENDS: readonly BrowserBackendKind[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** What was chosen, with the reasons the faster kinds were skipped. */
export interface BrowserBackendChoice {
  kind: BrowserBackendKind;
  /** One line for the page: `wasm (simd, 2 threads, toolkit kernels)`. */
  label: string;
  skipped: string[];
}

async function tryWebGpu(): Promise<string> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) throw new Error('this browser has no navigator.gpu');
  if (!(await gpu.requestAdapter())) throw new Error('no WebGPU adapter');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('the webgpu backend did not initialise');
  return 'webgpu';
}

/** The GL renderer's name when the browser tells it (`SwiftShader`, `llvmpipe`, a GPU's name). */
function glRenderer(): string | undefined {
  try {
    const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(1, 1) : document.createElement('canvas');
    const gl = canvas.getContext('webgl2') as WebGL2RenderingContext | null;
    if (!gl) return undefined;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  } catch {
    return undefined;
  }
}

/** Software GL (no GPU): the browser emulates the GPU on the CPU, far slower than wasm for training. */
export const SOFTWARE_GL = /swiftshader|llvmpipe|software/i;

async function tryWebGl(allowSoftware: boolean): Promise<string> {
  const renderer = glRenderer();
  if (!allowSoftware && renderer && SOFTWARE_GL.test(renderer)) throw new Error(`software WebGL (${renderer}), slower than wasm here`);
  await import('@tensorflow/tfjs-backend-webgl');
  if (!(await tf.setBackend('webgl'))) throw new Error('no WebGL context');
  await tf.ready();
  // Training needs float32 render targets; without them the losses would be wrong, not slow.
  if (!tf.env().getBool('WEBGL_RENDER_FLOAT32_CAPABLE')) throw new Error('WebGL cannot render float32 textures');
  return `webgl ${tf.env().getNumber('WEBGL_VERSION')}${renderer ? ` (${renderer})` : ''}`;
}

async function tryWasm(): Promise<string> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // Single-threaded, as in Node: XNNPACK's pthread workers cannot start from inside a module worker,
  // and one thread gives the same bits as the Node demo.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  wasm.setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd });
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
  await tf.ready();
  registerFastWasmKernels();
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  return `wasm (${simd ? 'simd' : 'no simd'}, ${wasm.getThreadsCount()} thread(s), toolkit kernels)`;
}

/**
 * Picks the best TF.js backend this browser offers: WebGPU, then WebGL on a GPU (float32 render
 * targets; software GL such as SwiftShader is skipped, it trains far slower than wasm), then wasm with
 * the toolkit's kernels from @vlm/connectors, then plain JS. `force` tries only that one.
 */
export async function selectBrowserBackend(force?: BrowserBackendKind): Promise<BrowserBackendChoice> {
  const skipped: string[] = [];
  for (const kind of force ? [force] : BROWSER_BACKENDS) {
    try {
      const label =
        kind === 'webgpu' ? await tryWebGpu() : kind === 'webgl' ? await tryWebGl(force === 'webgl') : kind === 'wasm' ? await tryWasm() : (await tf.setBackend('cpu'), 'cpu (plain JS)');
      return { kind, label, skipped };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (force) throw new Error(`the ${kind} backend cannot be used here: ${reason}`);
      skipped.push(`${kind}: ${reason}`);
    }
  }
  throw new Error(`no TF.js backend could start: ${skipped.join('; ')}`);
}
