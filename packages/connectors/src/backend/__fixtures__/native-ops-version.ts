// Loads tfjs-node, then the toolkit's TensorFlow ops requiring interface version argv[2]; prints the
// outcome and which kernel a layer norm ran, as one JSON line.
import * as tf from '@tensorflow/tfjs-core';
import { layerNormFused } from '../../fused/layer-norm';
import { NATIVE_OPS, loadNativeOps, nativeOpsStatus } from '../../kernels/native-ops';

const specifier = '@tensorflow/tfjs-node';
await import(/* @vite-ignore */ specifier);
await tf.setBackend('tensorflow');
const loaded = await loadNativeOps(Number(process.argv[2]));
const x = tf.tensor2d([[1, 2, 3, 4]]);
const profile = await tf.profile(() => layerNormFused(x, tf.ones([4]), tf.zeros([4]), 1e-5));
console.log(JSON.stringify({ loaded, reason: nativeOpsStatus()?.reason, registered: tf.getKernel(NATIVE_OPS.layerNorm, 'tensorflow') !== undefined, kernels: profile.kernels.map((k) => k.name), y: Array.from(profile.result instanceof tf.Tensor ? profile.result.dataSync() : []) }));
