import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { gelu } from '../layers/gelu';
import { attend, dense, layerNorm, mergeHeads, splitHeads } from '../layers/ops';
import { TrainableModule, type UpstreamFormat } from '../modules/trainable-module';
import { layerNormSpecs, type WeightSpec } from '../modules/weight-spec';
import type { NameMapEntry, WeightNameMap } from '../weights/name-map';

/** Config of a Flamingo gated cross-attention block (OpenFlamingo defaults). */
export const gatedCrossAttentionConfigSchema = z.object({
  /** Language-model width. */
  dim: z.number().int().positive(),
  /** Media (vision) width. */
  dimVisual: z.number().int().positive(),
  heads: z.number().int().positive().default(8),
  dimHead: z.number().int().positive().default(64),
  ffMult: z.number().int().positive().default(4),
  /** true: a token sees only the latest image before it; false: all images before it. */
  onlyAttendImmediateMedia: z.boolean().default(true),
  layerNormEps: z.number().positive().default(1e-5),
});

/** Input of `gatedCrossAttentionConfigSchema`. */
export type GatedCrossAttentionConfig = z.input<typeof gatedCrossAttentionConfigSchema>;

/** Where images sit in the text, given either way. */
export interface MediaPositions {
  /** [b, t], 1 (or true) at each `<image>` token. `textTime` is its cumulative sum. */
  mediaLocations?: tf.Tensor;
  /** [b, t], number of images at or before each token (1-based index of the latest image; 0 = none yet). */
  textTime?: tf.Tensor;
}

/** Options of `GatedCrossAttentionBlock.apply`. */
export interface GatedApplyOptions extends MediaPositions {
  training?: boolean;
}

/** Placement of OpenFlamingo blocks: before decoder layer i when (i + 1) % every == 0. */
export function crossAttentionLayerIndices(numLayers: number, every: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < numLayers; i++) if ((i + 1) % every === 0) out.push(i);
  return out;
}

/** text_time = cumsum(media_locations) along the sequence: [b, t] int32. */
export function textTimeFromMediaLocations(mediaLocations: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.cumsum(tf.cast(mediaLocations, 'int32'), 1));
}

const MASKED = -1e9;

/**
 * Flamingo's GatedCrossAttentionBlock, to insert before a language-model layer:
 * x = attn(x, media)·tanh(attn_gate) + x; x = ff(x)·tanh(ff_gate) + x. Both gates start at 0, so a
 * fresh block is the identity. `apply(text [b,t,dim], media [b,m,n,dimVisual], {textTime | mediaLocations})`.
 */
export class GatedCrossAttentionBlock extends TrainableModule {
  readonly config: z.output<typeof gatedCrossAttentionConfigSchema>;
  readonly specs: readonly WeightSpec[];

  constructor(config: GatedCrossAttentionConfig) {
    super();
    const c = gatedCrossAttentionConfigSchema.parse(config);
    this.config = c;
    const inner = c.heads * c.dimHead;
    const fan = (n: number) => ({ kind: 'uniform-fan-in', fanIn: n }) as const;
    this.specs = [
      ...layerNormSpecs('attn.norm', c.dim),
      { name: 'attn.to_q', shape: [c.dim, inner], init: fan(c.dim) },
      { name: 'attn.to_kv', shape: [c.dimVisual, 2 * inner], init: fan(c.dimVisual) },
      { name: 'attn.to_out', shape: [inner, c.dim], init: fan(inner) },
      { name: 'attn_gate', shape: [1], init: { kind: 'zeros' } },
      ...layerNormSpecs('ff.norm', c.dim),
      { name: 'ff.in', shape: [c.dim, c.ffMult * c.dim], init: fan(c.dim) },
      { name: 'ff.out', shape: [c.ffMult * c.dim, c.dim], init: fan(c.ffMult * c.dim) },
      { name: 'ff_gate', shape: [1], init: { kind: 'zeros' } },
    ];
  }

  /**
   * Masked cross-attention alone (before gating): text [b, t, dim], media [b, m, n, dimVisual]
   * -> [b, t, dim]. Tokens before the first image get exactly zero.
   */
  crossAttend(text: tf.Tensor, media: tf.Tensor, positions: MediaPositions = {}): tf.Tensor {
    const c = this.config;
    return tf.tidy(() => {
      const [b, t] = text.shape as [number, number, number];
      const [, m, n, dv] = media.shape as [number, number, number, number];
      const inner = c.heads * c.dimHead;
      const x = layerNorm(text, this.w('attn.norm.gamma'), this.w('attn.norm.beta'), c.layerNormEps);
      const flat = tf.reshape(media, [b, m * n, dv]);
      const toKv = this.w('attn.to_kv');
      const q = splitHeads(dense(x, this.w('attn.to_q')), c.heads);
      const k = splitHeads(dense(flat, tf.slice(toKv, [0, 0], [dv, inner])), c.heads);
      const v = splitHeads(dense(flat, tf.slice(toKv, [0, inner], [dv, inner])), c.heads);
      let textTime = positions.textTime;
      if (!textTime && positions.mediaLocations) textTime = textTimeFromMediaLocations(positions.mediaLocations);
      let bias: tf.Tensor | undefined;
      let probScale: tf.Tensor | undefined;
      if (textTime) {
        // [b, t, 1] against media numbers 1..m -> allowed [b, t, m], widened to every token of a medium.
        const time = tf.reshape(tf.cast(textTime, 'int32'), [b, t, 1]);
        const mediaTime = tf.reshape(tf.range(1, m + 1, 1, 'int32'), [1, 1, m]);
        const allowed = c.onlyAttendImmediateMedia ? tf.equal(time, mediaTime) : tf.greaterEqual(time, mediaTime);
        const perToken = tf.reshape(tf.tile(tf.reshape(tf.cast(allowed, 'float32'), [b, t, m, 1]), [1, 1, 1, n]), [b, 1, t, m * n]);
        bias = tf.mul(tf.sub(1, perToken), MASKED);
        probScale = tf.reshape(tf.cast(tf.greater(time, 0), 'float32'), [b, 1, t, 1]);
      }
      const context = mergeHeads(attend(q, k, v, { bias, probScale }));
      return dense(context, this.w('attn.to_out'));
    });
  }

  /** The block: text [b, t, dim] with media [b, m, n, dimVisual] -> [b, t, dim]. */
  apply(text: tf.Tensor, media: tf.Tensor, options: GatedApplyOptions = {}): tf.Tensor {
    const c = this.config;
    return tf.tidy(() => {
      const attnOut = this.crossAttend(text, media, options);
      let x = tf.add(tf.mul(attnOut, tf.tanh(this.w('attn_gate'))), text);
      const f = layerNorm(x, this.w('ff.norm.gamma'), this.w('ff.norm.beta'), c.layerNormEps);
      const ff = dense(gelu(dense(f, this.w('ff.in'))), this.w('ff.out'));
      x = tf.add(tf.mul(ff, tf.tanh(this.w('ff_gate'))), x);
      return x;
    });
  }

  /**
   * OpenFlamingo names relative to a decoder layer: `gated_cross_attn_layer.attn.{norm,to_q,to_kv,to_out}`,
   * `attn_gate`, `ff.{0,1,3}`, `ff_gate`. Prefix them with e.g. `lang_encoder.model.decoder.layers.3.`.
   */
  upstreamNameMap(_format: UpstreamFormat, prefix = ''): WeightNameMap {
    const up = `${prefix}gated_cross_attn_layer`;
    const map: NameMapEntry[] = [
      { ours: 'attn.norm.gamma', upstream: `${up}.attn.norm.weight` },
      { ours: 'attn.norm.beta', upstream: `${up}.attn.norm.bias` },
      { ours: 'attn.to_q', upstream: `${up}.attn.to_q.weight`, transpose: true },
      { ours: 'attn.to_kv', upstream: `${up}.attn.to_kv.weight`, transpose: true },
      { ours: 'attn.to_out', upstream: `${up}.attn.to_out.weight`, transpose: true },
      { ours: 'attn_gate', upstream: `${up}.attn_gate` },
      { ours: 'ff.norm.gamma', upstream: `${up}.ff.0.weight` },
      { ours: 'ff.norm.beta', upstream: `${up}.ff.0.bias` },
      { ours: 'ff.in', upstream: `${up}.ff.1.weight`, transpose: true },
      { ours: 'ff.out', upstream: `${up}.ff.3.weight`, transpose: true },
      { ours: 'ff_gate', upstream: `${up}.ff_gate` },
    ];
    return map;
  }
}
