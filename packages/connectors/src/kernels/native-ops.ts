// The toolkit's own TensorFlow ops on tfjs-node (native/vlm_tf_ops.cc: bias + GELU, LayerNorm / RMSNorm,
// SwiGLU and AdamW,
// forward and backward, one pass each). scripts/setup-native.mjs compiles them next to the binding it
// builds from the TensorFlow wheel; here they are loaded into the process (which registers them with the
// TensorFlow library the binding uses) and wrapped as tfjs kernels on the `tensorflow` backend. Where the
// library is absent (tfjs-node's own prebuilt install, no compiler) the fused ops compose TensorFlow's.
import * as tf from '@tensorflow/tfjs-core';
import '../backend/tfjs-runtime';

/** File name of the compiled ops, next to tfjs-node's `tfjs_binding.node`. */
export const NATIVE_OPS_FILE = 'vlm_tf_ops.node';

/** The ops' interface version this package expects (`kOpsVersion` in native/vlm_tf_ops.cc). */
export const NATIVE_OPS_VERSION = 2;

/** tfjs kernels (backend `tensorflow`) registered once the ops are loaded. */
export const NATIVE_OPS = {
  /** x, bias [D] -> y = GELU(x + bias). */
  biasGelu: 'VlmTfBiasGelu',
  /** dy, x, bias -> dx, dbias. */
  biasGeluGrad: 'VlmTfBiasGeluGrad',
  /** x, gamma, beta (RMSNorm: any [D], unused); attrs eps, rms -> y, mean [rows], rstd [rows]. */
  layerNorm: 'VlmTfLayerNorm',
  /** dy, x, gamma, mean, rstd; attr rms -> dx, dgamma, dbeta. */
  layerNormGrad: 'VlmTfLayerNormGrad',
  /** gate, up -> silu(gate)·up. */
  swiglu: 'VlmTfSwiglu',
  /** dy, gate, up -> dgate, dup. */
  swigluGrad: 'VlmTfSwigluGrad',
  /** p0…, g0…, m0…, v0… (named p${i} …); attrs lrs, beta1, beta2, epsilon, weightDecay, step -> p'…, m'…, v'…. */
  adamw: 'VlmTfAdamW',
} as const;

type OpAttr = { name: string; type: number; value: unknown };
type NodeBackend = {
  binding: { TF_ATTR_FLOAT: number; TF_ATTR_INT: number; TF_ATTR_BOOL: number };
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: tf.TensorInfo[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: tf.TensorInfo[], count: number): tf.Tensor[];
};
type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap };

let status: { loaded: boolean; reason: string; absent?: boolean } | undefined;

/**
 * Whether the toolkit's TensorFlow ops are loaded, and if not, why; `absent` when there is no library to
 * load (tfjs-node's own prebuilt install). Undefined before `loadNativeOps`.
 */
export function nativeOpsStatus(): { loaded: boolean; reason: string; absent?: boolean } | undefined {
  return status;
}

type FsApi = { readFileSync(path: string, encoding: 'utf8'): string; existsSync(path: string): boolean };

/** The directory of the tfjs-node binding this process loaded (from /proc/self/maps), if any. */
function bindingDir(fs: FsApi): string | undefined {
  const line = fs
    .readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .find((l) => l.endsWith('/tfjs_binding.node'));
  const path = line?.slice(line.indexOf('/'));
  return path ? path.slice(0, path.lastIndexOf('/')) : undefined;
}

/**
 * Loads `vlm_tf_ops.node` from beside the tfjs-node binding this process uses and registers the
 * `NATIVE_OPS` kernels; needs tfjs-node loaded. Idempotent (the first call decides); returns whether the
 * ops are available. `expectVersion` (tests): the interface version to require instead of this package's.
 */
export async function loadNativeOps(expectVersion: number = NATIVE_OPS_VERSION): Promise<boolean> {
  if (status) return status.loaded;
  if (typeof process === 'undefined' || process.platform !== 'linux') {
    // setup-native builds them on Linux only; elsewhere there is nothing to load
    status = { loaded: false, reason: 'the toolkit\'s TensorFlow ops are built on Linux only', absent: true };
    return false;
  }
  try {
    if (!tf.findBackend('tensorflow')) throw new Error('tfjs-node is not loaded');
    // imported at run time, so the main entry stays browser-safe
    const specifier = 'node:fs';
    const fs = (await import(/* @vite-ignore */ specifier)) as FsApi;
    const dir = bindingDir(fs);
    if (!dir) throw new Error('the tfjs-node binding is not loaded in this process');
    const file = `${dir}/${NATIVE_OPS_FILE}`;
    if (!fs.existsSync(file)) {
      status = { loaded: false, reason: `${file} is not there (node scripts/setup-native.mjs builds it with the binding)`, absent: true };
      return false;
    }
    // A build from an older source has ops with other inputs or attributes: its version says so, and
    // then none of its ops is used (the library stays loaded; Node cannot unload it).
    const module = { exports: {} as { version?: number } };
    process.dlopen(module as NodeJS.Module, file);
    if (module.exports.version !== expectVersion) {
      throw new Error(`${file} is version ${module.exports.version ?? 'unknown'}, this package needs ${expectVersion} (run node scripts/setup-native.mjs to rebuild it)`);
    }
    registerAll();
    status = { loaded: true, reason: file };
  } catch (error) {
    status = { loaded: false, reason: (error instanceof Error ? error.message : String(error)).split('\n')[0] as string };
  }
  return status.loaded;
}

function register(kernelName: string, kernelFunc: (args: KernelArgs, backend: NodeBackend) => tf.TensorInfo | tf.TensorInfo[]): void {
  if (tf.getKernel(kernelName, 'tensorflow')) tf.unregisterKernel(kernelName, 'tensorflow');
  tf.registerKernel({ kernelName, backendName: 'tensorflow', kernelFunc: ((args: KernelArgs) => kernelFunc(args, args.backend as NodeBackend)) as unknown as tf.KernelFunc });
}

const float = (backend: NodeBackend, name: string, value: number | number[]): OpAttr => ({ name, type: backend.binding.TF_ATTR_FLOAT, value });
const int = (backend: NodeBackend, name: string, value: number): OpAttr => ({ name, type: backend.binding.TF_ATTR_INT, value });
const bool = (backend: NodeBackend, name: string, value: unknown): OpAttr => ({ name, type: backend.binding.TF_ATTR_BOOL, value: Boolean(value) });

/** Removes the `NATIVE_OPS` kernels, so the fused ops compose TensorFlow's (for side-by-side benchmarks and tests). */
export function unregisterNativeOps(): void {
  for (const name of Object.values(NATIVE_OPS)) if (tf.getKernel(name, 'tensorflow')) tf.unregisterKernel(name, 'tensorflow');
}

/** Registers the `NATIVE_OPS` kernels on tfjs-node again; a no-op unless `loadNativeOps` loaded the library. */
export function registerNativeOps(): void {
  if (!status?.loaded) return;
  registerAll();
}

function registerAll(): void {
  register(NATIVE_OPS.biasGelu, ({ inputs }, b) => b.executeSingleOutput('VlmBiasGelu', [], [inputs.x, inputs.bias] as tf.TensorInfo[]));
  register(NATIVE_OPS.biasGeluGrad, ({ inputs }, b) => b.executeMultipleOutputs('VlmBiasGeluGrad', [], [inputs.dy, inputs.x, inputs.bias] as tf.TensorInfo[], 2));
  register(NATIVE_OPS.layerNorm, ({ inputs, attrs }, b) =>
    b.executeMultipleOutputs('VlmLayerNorm', [float(b, 'epsilon', Number(attrs?.eps)), bool(b, 'rms', attrs?.rms)], [inputs.x, inputs.gamma, inputs.beta] as tf.TensorInfo[], 3),
  );
  register(NATIVE_OPS.layerNormGrad, ({ inputs, attrs }, b) =>
    b.executeMultipleOutputs('VlmLayerNormGrad', [bool(b, 'rms', attrs?.rms)], [inputs.dy, inputs.x, inputs.gamma, inputs.mean, inputs.rstd] as tf.TensorInfo[], 3),
  );
  register(NATIVE_OPS.swiglu, ({ inputs }, b) => b.executeSingleOutput('VlmSwiglu', [], [inputs.gate, inputs.up] as tf.TensorInfo[]));
  register(NATIVE_OPS.swigluGrad, ({ inputs }, b) => b.executeMultipleOutputs('VlmSwigluGrad', [], [inputs.dy, inputs.gate, inputs.up] as tf.TensorInfo[], 2));
  register(NATIVE_OPS.adamw, ({ inputs, attrs }, b) => {
    const lrs = attrs?.lrs as number[];
    const n = lrs.length;
    const list = (prefix: string) => Array.from({ length: n }, (_, i) => inputs[`${prefix}${i}`] as tf.TensorInfo);
    const opAttrs = [
      int(b, 'N', n),
      float(b, 'lrs', lrs),
      float(b, 'beta1', Number(attrs?.beta1)),
      float(b, 'beta2', Number(attrs?.beta2)),
      float(b, 'epsilon', Number(attrs?.epsilon)),
      float(b, 'weight_decay', Number(attrs?.weightDecay)),
      int(b, 'step', Number(attrs?.step)),
    ];
    return b.executeMultipleOutputs('VlmAdamW', opAttrs, [...list('p'), ...list('g'), ...list('m'), ...list('v')], 3 * n);
  });
}

/** Whether the active backend is tfjs-node with the toolkit's op `kernelName` registered. */
export function hasNativeOp(kernelName: string): boolean {
  return tf.getBackend() === 'tensorflow' && tf.getKernel(kernelName, 'tensorflow') !== undefined;
}
