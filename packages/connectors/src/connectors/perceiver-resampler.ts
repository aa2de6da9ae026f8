import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { gelu } from '../layers/gelu';
import { attend, dense, layerNorm, mergeHeads, splitHeads } from '../layers/ops';
import type { UpstreamFormat } from '../modules/trainable-module';
import { denseSpecs, layerNormSpecs, type WeightSpec } from '../modules/weight-spec';
import type { NameMapEntry, WeightNameMap } from '../weights/name-map';
import { Connector, type ApplyOptions } from './connector';

/** Config of Flamingo's Perceiver resampler (OpenFlamingo defaults). */
export const perceiverConfigSchema = z.object({
  type: z.literal('perceiver'),
  /** Vision width (the resampler keeps it). */
  dim: z.number().int().positive(),
  depth: z.number().int().positive().default(6),
  heads: z.number().int().positive().default(8),
  dimHead: z.number().int().positive().default(64),
  numLatents: z.number().int().positive().default(64),
  ffMult: z.number().int().positive().default(4),
  /** When set, learned per-media time embeddings `media_time_embs` [maxNumMedia, 1, dim]. */
  maxNumMedia: z.number().int().positive().optional(),
  layerNormEps: z.number().positive().default(1e-5),
  /**
   * Language-model width; when set, a Linear(dim, outputDim) projects the latents (`language_projection`),
   * so the resampler can feed a LLaVA-style splice. Flamingo's cross-attention reads the latents unprojected.
   */
  outputDim: z.number().int().positive().optional(),
});

/** Input of `perceiverConfigSchema`. */
export type PerceiverConfig = z.input<typeof perceiverConfigSchema>;

/**
 * Perceiver resampler: a fixed set of latents reads the media through cross-attention whose keys and
 * values are concat(media, latents), then a FFN, `depth` times, then a LayerNorm. x [b, T, n, dim]
 * (or [b, n, dim] for one image) -> [b, T, numLatents, dim] (or [b, numLatents, dim]).
 */
export class PerceiverResampler extends Connector {
  readonly type = 'perceiver';
  readonly config: z.output<typeof perceiverConfigSchema>;
  readonly inputDim: number;
  readonly outputDim: number;
  readonly specs: readonly WeightSpec[];

  constructor(config: PerceiverConfig) {
    super();
    const c = perceiverConfigSchema.parse(config);
    this.config = c;
    this.inputDim = c.dim;
    this.outputDim = c.outputDim ?? c.dim;
    const d = c.dim;
    const inner = c.heads * c.dimHead;
    const fan = (n: number) => ({ kind: 'uniform-fan-in', fanIn: n }) as const;
    const specs: WeightSpec[] = [{ name: 'latents', shape: [c.numLatents, d], init: { kind: 'normal', std: 1 } }];
    if (c.maxNumMedia !== undefined) specs.push({ name: 'media_time_embs', shape: [c.maxNumMedia, 1, d], init: { kind: 'normal', std: 1 } });
    for (let i = 0; i < c.depth; i++) {
      const p = `layer_${i}`;
      specs.push(
        ...layerNormSpecs(`${p}.norm_media`, d),
        ...layerNormSpecs(`${p}.norm_latents`, d),
        { name: `${p}.to_q`, shape: [d, inner], init: fan(d) },
        { name: `${p}.to_kv`, shape: [d, 2 * inner], init: fan(d) },
        { name: `${p}.to_out`, shape: [inner, d], init: fan(inner) },
        ...layerNormSpecs(`${p}.ff_norm`, d),
        { name: `${p}.ff_in`, shape: [d, c.ffMult * d], init: fan(d) },
        { name: `${p}.ff_out`, shape: [c.ffMult * d, d], init: fan(c.ffMult * d) },
      );
    }
    specs.push(...layerNormSpecs('norm', d));
    if (c.outputDim !== undefined) specs.push(...denseSpecs('projection', d, c.outputDim));
    this.specs = specs;
  }

  outputTokens(): number {
    return this.config.numLatents;
  }

  apply(x: tf.Tensor, _options: ApplyOptions = {}): tf.Tensor {
    const c = this.config;
    return tf.tidy(() => {
      const single = x.shape.length === 3;
      const [b, t, n, d] = (single ? [x.shape[0], 1, x.shape[1], x.shape[2]] : x.shape) as [number, number, number, number];
      let media: tf.Tensor = tf.reshape(x, [b, t, n, d]);
      if (c.maxNumMedia !== undefined) media = tf.add(media, tf.slice(this.w('media_time_embs'), [0, 0, 0], [t, 1, d]));
      // Every (sample, media) pair is independent: fold them into one batch axis (no 5-D tensors).
      media = tf.reshape(media, [b * t, n, d]);
      let latents: tf.Tensor = tf.tile(tf.expandDims(this.w('latents'), 0), [b * t, 1, 1]);
      const inner = c.heads * c.dimHead;
      for (let i = 0; i < c.depth; i++) {
        const p = `layer_${i}`;
        const m = layerNorm(media, this.w(`${p}.norm_media.gamma`), this.w(`${p}.norm_media.beta`), c.layerNormEps);
        const l = layerNorm(latents, this.w(`${p}.norm_latents.gamma`), this.w(`${p}.norm_latents.beta`), c.layerNormEps);
        const kvIn = tf.concat([m, l], 1);
        const toKv = this.w(`${p}.to_kv`);
        // Split the (small) weight rather than the (large) key/value activation.
        const k = splitHeads(dense(kvIn, tf.slice(toKv, [0, 0], [d, inner])), c.heads);
        const v = splitHeads(dense(kvIn, tf.slice(toKv, [0, inner], [d, inner])), c.heads);
        const q = splitHeads(dense(l, this.w(`${p}.to_q`)), c.heads);
        latents = tf.add(dense(mergeHeads(attend(q, k, v)), this.w(`${p}.to_out`)), latents);
        const f = layerNorm(latents, this.w(`${p}.ff_norm.gamma`), this.w(`${p}.ff_norm.beta`), c.layerNormEps);
        latents = tf.add(dense(gelu(dense(f, this.w(`${p}.ff_in`))), this.w(`${p}.ff_out`)), latents);
      }
      let out = layerNorm(latents, this.w('norm.gamma'), this.w('norm.beta'), c.layerNormEps);
      const w = c.outputDim ?? d;
      if (c.outputDim !== undefined) out = dense(out, this.w('projection.kernel'), this.w('projection.bias'));
      return single ? tf.reshape(out, [b, c.numLatents, w]) : tf.reshape(out, [b, t, c.numLatents, w]);
    });
  }

  /** OpenFlamingo names: `perceiver.latents`, `perceiver.layers.{i}.0.*` (attention), `.1.{0,1,3}` (FFN), `perceiver.norm`. */
  upstreamNameMap(_format: UpstreamFormat): WeightNameMap {
    const map: NameMapEntry[] = [{ ours: 'latents', upstream: 'perceiver.latents' }];
    if (this.config.maxNumMedia !== undefined) map.push({ ours: 'media_time_embs', upstream: 'perceiver.media_time_embs' });
    const norm = (ours: string, up: string) => map.push({ ours: `${ours}.gamma`, upstream: `${up}.weight` }, { ours: `${ours}.beta`, upstream: `${up}.bias` });
    for (let i = 0; i < this.config.depth; i++) {
      const p = `layer_${i}`;
      const up = `perceiver.layers.${i}`;
      norm(`${p}.norm_media`, `${up}.0.norm_media`);
      norm(`${p}.norm_latents`, `${up}.0.norm_latents`);
      for (const m of ['to_q', 'to_kv', 'to_out']) map.push({ ours: `${p}.${m}`, upstream: `${up}.0.${m}.weight`, transpose: true });
      norm(`${p}.ff_norm`, `${up}.1.0`);
      map.push({ ours: `${p}.ff_in`, upstream: `${up}.1.1.weight`, transpose: true }, { ours: `${p}.ff_out`, upstream: `${up}.1.3.weight`, transpose: true });
    }
    norm('norm', 'perceiver.norm');
    if (this.config.outputDim !== undefined) {
      map.push({ ours: 'projection.kernel', upstream: 'language_projection.weight', transpose: true }, { ours: 'projection.bias', upstream: 'language_projection.bias' });
    }
    return map;
  }
}
