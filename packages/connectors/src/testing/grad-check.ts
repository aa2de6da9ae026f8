import * as tf from '@tensorflow/tfjs-core';

/**
 * Compares the analytic gradient of `loss` with respect to `variable` against central finite
 * differences at `count` evenly spread entries. Returns the worst relative error.
 */
export function gradientCheck(loss: () => tf.Scalar, variable: tf.Variable, count = 4, eps = 1e-2): number {
  const { grads } = tf.variableGrads(loss, [variable]);
  const analytic = (grads[variable.name] as tf.Tensor).dataSync().slice();
  tf.dispose(grads);
  const original = variable.dataSync().slice() as Float32Array;
  let worst = 0;
  const step = Math.max(1, Math.floor(original.length / count));
  for (let i = 0, done = 0; i < original.length && done < count; i += step, done++) {
    const at = (delta: number) => {
      const v = original.slice();
      v[i] = (v[i] as number) + delta;
      variable.assign(tf.tensor(v, variable.shape));
      return tf.tidy(() => loss().dataSync()[0] as number);
    };
    const numeric = (at(eps) - at(-eps)) / (2 * eps);
    const a = analytic[i] as number;
    worst = Math.max(worst, Math.abs(numeric - a) / Math.max(1e-2, Math.abs(numeric) + Math.abs(a)));
  }
  variable.assign(tf.tensor(original, variable.shape));
  return worst;
}

/** A fixed pseudo-random tensor from a seed (independent of the backend). */
export function seededTensor(shape: number[], seed: number, scale = 1): tf.Tensor {
  let s = seed >>> 0;
  const n = shape.reduce((p, d) => p * d, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    values[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
  return tf.tensor(values, shape);
}
