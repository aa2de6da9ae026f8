import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '@vlm/core';
import { z } from 'zod';
import { gelu } from '../layers/gelu';
import { attend, dense, dropout, layerNorm, mergeHeads, splitHeads } from '../layers/ops';
import type { UpstreamFormat } from '../modules/trainable-module';
import { denseSpecs, layerNormSpecs, type WeightSpec } from '../modules/weight-spec';
import type { NameMapEntry, WeightNameMap } from '../weights/name-map';
import { Connector, type ApplyOptions } from './connector';

/** Config of a BLIP-2 Q-Former; defaults are BLIP-2's (EVA ViT-g features, 32 queries). */
export const qFormerConfigSchema = z.object({
  type: z.literal('qformer'),
  hiddenSize: z.number().int().positive().default(768),
  numLayers: z.number().int().positive().default(12),
  numHeads: z.number().int().positive().default(12),
  intermediateSize: z.number().int().positive().default(3072),
  /** Width of the image features (1408 for EVA ViT-g). */
  encoderWidth: z.number().int().positive().default(1408),
  numQueries: z.number().int().positive().default(32),
  /** Cross-attention in layers 0, N, 2N, ... */
  crossAttentionFrequency: z.number().int().positive().default(2),
  layerNormEps: z.number().positive().default(1e-12),
  dropout: z.number().min(0).max(1).default(0.1),
  /** Language-model width; when set, a Linear(hiddenSize, outputDim) projects the queries. */
  outputDim: z.number().int().positive().optional(),
}).refine((c) => c.hiddenSize % c.numHeads === 0, { message: 'hiddenSize must be divisible by numHeads', path: ['numHeads'] });

/** Input of `qFormerConfigSchema` (every field but `type` optional). */
export type QFormerConfig = z.input<typeof qFormerConfigSchema>;

/**
 * BLIP-2's querying transformer as a connector: learned queries pass a LayerNorm, then BERT-style
 * post-LN layers (self-attention; cross-attention to the image features every N layers; the query
 * FFN), then an optional projection to the language model's width. x [b, n, encoderWidth] ->
 * [b, numQueries, outputDim ?? hiddenSize].
 */
export class QFormer extends Connector {
  readonly type = 'qformer';
  readonly config: z.output<typeof qFormerConfigSchema>;
  readonly inputDim: number;
  readonly outputDim: number;
  readonly specs: readonly WeightSpec[];
  private readonly seeds: Rng;

  constructor(config: QFormerConfig, dropoutRng: Rng = createRng('qformer-dropout')) {
    super();
    const c = qFormerConfigSchema.parse(config);
    this.config = c;
    this.inputDim = c.encoderWidth;
    this.outputDim = c.outputDim ?? c.hiddenSize;
    this.seeds = dropoutRng;
    const h = c.hiddenSize;
    const bert = { std: 0.02 };
    const specs: WeightSpec[] = [{ name: 'query_tokens', shape: [1, c.numQueries, h], init: { kind: 'normal', std: 0.02 } }, ...layerNormSpecs('layernorm', h)];
    for (let i = 0; i < c.numLayers; i++) {
      const p = `layer_${i}`;
      for (const m of ['query', 'key', 'value']) specs.push(...denseSpecs(`${p}.self.${m}`, h, h, bert));
      specs.push(...denseSpecs(`${p}.self.output`, h, h, bert), ...layerNormSpecs(`${p}.self.norm`, h));
      if (this.hasCrossAttention(i)) {
        specs.push(...denseSpecs(`${p}.cross.query`, h, h, bert));
        for (const m of ['key', 'value']) specs.push(...denseSpecs(`${p}.cross.${m}`, c.encoderWidth, h, bert));
        specs.push(...denseSpecs(`${p}.cross.output`, h, h, bert), ...layerNormSpecs(`${p}.cross.norm`, h));
      }
      specs.push(...denseSpecs(`${p}.ffn.intermediate`, h, c.intermediateSize, bert), ...denseSpecs(`${p}.ffn.output`, c.intermediateSize, h, bert), ...layerNormSpecs(`${p}.ffn.norm`, h));
    }
    if (c.outputDim !== undefined) specs.push(...denseSpecs('projection', h, c.outputDim));
    this.specs = specs;
  }

  /** Whether layer `i` has cross-attention (BLIP-2: every `crossAttentionFrequency`-th layer from 0). */
  hasCrossAttention(i: number): boolean {
    return i % this.config.crossAttentionFrequency === 0;
  }

  /** Number of layers with cross-attention. */
  get crossAttentionLayers(): number {
    let n = 0;
    for (let i = 0; i < this.config.numLayers; i++) if (this.hasCrossAttention(i)) n++;
    return n;
  }

  outputTokens(): number {
    return this.config.numQueries;
  }

  private attention(prefix: string, q: tf.Tensor, kv: tf.Tensor, drop: (x: tf.Tensor) => tf.Tensor): tf.Tensor {
    const heads = this.config.numHeads;
    const query = splitHeads(dense(q, this.w(`${prefix}.query.kernel`), this.w(`${prefix}.query.bias`)), heads);
    const key = splitHeads(dense(kv, this.w(`${prefix}.key.kernel`), this.w(`${prefix}.key.bias`)), heads);
    const value = splitHeads(dense(kv, this.w(`${prefix}.value.kernel`), this.w(`${prefix}.value.bias`)), heads);
    const context = mergeHeads(attend(query, key, value, { dropProbs: drop }));
    const out = drop(dense(context, this.w(`${prefix}.output.kernel`), this.w(`${prefix}.output.bias`)));
    // Post-LN (BERT): LN(x + Dense(attention)).
    return layerNorm(tf.add(out, q), this.w(`${prefix}.norm.gamma`), this.w(`${prefix}.norm.beta`), this.config.layerNormEps);
  }

  apply(x: tf.Tensor, options: ApplyOptions = {}): tf.Tensor {
    const c = this.config;
    const drop = (t: tf.Tensor) => dropout(t, c.dropout, options.training ?? false, () => this.seeds.int(2 ** 31));
    return tf.tidy(() => {
      const batch = x.shape[0] as number;
      const queries = tf.tile(this.w('query_tokens'), [batch, 1, 1]);
      let h = drop(layerNorm(queries, this.w('layernorm.gamma'), this.w('layernorm.beta'), c.layerNormEps));
      for (let i = 0; i < c.numLayers; i++) {
        const p = `layer_${i}`;
        h = this.attention(`${p}.self`, h, h, drop);
        if (this.hasCrossAttention(i)) h = this.attention(`${p}.cross`, h, x, drop);
        const inner = gelu(dense(h, this.w(`${p}.ffn.intermediate.kernel`), this.w(`${p}.ffn.intermediate.bias`)));
        const ffn = drop(dense(inner, this.w(`${p}.ffn.output.kernel`), this.w(`${p}.ffn.output.bias`)));
        h = layerNorm(tf.add(ffn, h), this.w(`${p}.ffn.norm.gamma`), this.w(`${p}.ffn.norm.beta`), c.layerNormEps);
      }
      if (c.outputDim !== undefined) h = dense(h, this.w('projection.kernel'), this.w('projection.bias'));
      return h;
    });
  }

  /** HF transformers Blip2 names (`qformer.*`, `query_tokens`, `language_projection`); other formats use the same. */
  upstreamNameMap(_format: UpstreamFormat): WeightNameMap {
    const map: NameMapEntry[] = [{ ours: 'query_tokens', upstream: 'query_tokens' }];
    const linear = (ours: string, up: string) => map.push({ ours: `${ours}.kernel`, upstream: `${up}.weight`, transpose: true }, { ours: `${ours}.bias`, upstream: `${up}.bias` });
    const norm = (ours: string, up: string) => map.push({ ours: `${ours}.gamma`, upstream: `${up}.weight` }, { ours: `${ours}.beta`, upstream: `${up}.bias` });
    norm('layernorm', 'qformer.layernorm');
    for (let i = 0; i < this.config.numLayers; i++) {
      const p = `layer_${i}`;
      const up = `qformer.encoder.layer.${i}`;
      for (const [ours, hf] of [['self', 'attention'], ['cross', 'crossattention']] as const) {
        if (ours === 'cross' && !this.hasCrossAttention(i)) continue;
        for (const m of ['query', 'key', 'value']) linear(`${p}.${ours}.${m}`, `${up}.${hf}.attention.${m}`);
        linear(`${p}.${ours}.output`, `${up}.${hf}.output.dense`);
        norm(`${p}.${ours}.norm`, `${up}.${hf}.output.LayerNorm`);
      }
      linear(`${p}.ffn.intermediate`, `${up}.intermediate_query.dense`);
      linear(`${p}.ffn.output`, `${up}.output_query.dense`);
      norm(`${p}.ffn.norm`, `${up}.output_query.LayerNorm`);
    }
    if (this.config.outputDim !== undefined) linear('projection', 'language_projection');
    return map;
  }
}
