import * as tf from '@tensorflow/tfjs-core';
import { adamwUpdate, releaseNativeAdamW } from '@vlm/connectors';
import { VlmError } from '@vlm/core';

/** A parameter the optimizer updates, with the module (learning-rate group) it belongs to. */
export interface OptimizedParam {
  /** Stable key (`module.parameter`), used to save and restore the moments. */
  key: string;
  group: string;
  variable: tf.Variable;
}

/** AdamW hyper-parameters (PyTorch defaults except the learning rates, which come per group). */
export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
}

/** Moments of one parameter, for checkpoints. */
export interface AdamWSlot {
  expAvg: Float32Array;
  expAvgSq: Float32Array;
  shape: number[];
}

/**
 * AdamW with decoupled weight decay and one learning rate per group (module), computed exactly as
 * `torch.optim.AdamW`: `p ← p·(1 − lr·wd)`, then `p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε)`.
 * One fused update for all parameters (`adamwUpdate`: one kernel pass on wasm (SIMD) and cpu, and on tfjs-node
 * for parameters up to 32,768 values; TensorFlow ops for larger ones).
 */
export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  /** Optimizer steps taken (t in the bias corrections). */
  step = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(readonly params: readonly OptimizedParam[], options: AdamWOptions = {}) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    for (const p of params) {
      this.m.set(p.key, tf.variable(tf.zerosLike(p.variable), false));
      this.v.set(p.key, tf.variable(tf.zerosLike(p.variable), false));
    }
  }

  /** Applies one update from gradients keyed like the params; `lr` gives each group's rate. */
  apply(grads: ReadonlyMap<string, tf.Tensor>, lr: (group: string) => number): void {
    this.step++;
    const entries = this.params.flatMap((p) => {
      const grad = grads.get(p.key);
      if (!grad) return [];
      return [{ param: p.variable, grad, m: this.m.get(p.key) as tf.Variable, v: this.v.get(p.key) as tf.Variable, lr: lr(p.group) }];
    });
    adamwUpdate(entries, { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weightDecay: this.weightDecay, step: this.step });
  }

  /** The moments of every parameter (copies), for a checkpoint. */
  exportState(): Map<string, AdamWSlot> {
    const out = new Map<string, AdamWSlot>();
    for (const p of this.params) {
      out.set(p.key, {
        expAvg: (this.m.get(p.key) as tf.Variable).dataSync() as Float32Array,
        expAvgSq: (this.v.get(p.key) as tf.Variable).dataSync() as Float32Array,
        shape: [...p.variable.shape],
      });
    }
    return out;
  }

  /** Restores moments and the step count; every parameter must be present with its shape. */
  importState(step: number, slots: ReadonlyMap<string, AdamWSlot>, source?: string): void {
    for (const p of this.params) {
      const s = slots.get(p.key);
      if (!s || s.shape.join(',') !== p.variable.shape.join(',')) {
        throw new VlmError('checkpoint_optimizer', `optimizer state for ${p.key} is ${s ? `shaped [${s.shape}]` : 'missing'}, expected [${p.variable.shape}]`, {
          location: { file: source, field: p.key },
          hint: 'resume with the same model config and the same trained modules as the checkpoint',
        });
      }
    }
    for (const p of this.params) {
      const s = slots.get(p.key) as AdamWSlot;
      (this.m.get(p.key) as tf.Variable).assign(tf.tensor(s.expAvg, s.shape, 'float32'));
      (this.v.get(p.key) as tf.Variable).assign(tf.tensor(s.expAvgSq, s.shape, 'float32'));
    }
    this.step = step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
    // on tfjs-node: the scratch variables of the last update still share its buffers
    releaseNativeAdamW();
  }
}

/**
 * Scales gradients in place (returns new tensors) so their global L2 norm is at most `maxNorm`, as
 * `torch.nn.utils.clip_grad_norm_`. Returns the norm before clipping.
 */
export function clipByGlobalNorm(grads: Map<string, tf.Tensor>, maxNorm: number): number {
  if (grads.size === 0) return 0;
  const norm = tf.tidy(() => tf.sqrt(tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g)))))).dataSync()[0] as number;
  if (maxNorm > 0 && Number.isFinite(norm) && norm > maxNorm) {
    const coef = maxNorm / (norm + 1e-6);
    for (const [k, g] of grads) {
      grads.set(k, tf.mul(g, coef));
      g.dispose();
    }
  }
  return norm;
}
