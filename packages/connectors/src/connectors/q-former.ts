import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng, VlmError } from '@vlm/core';
import { z } from 'zod';
import { biasGelu } from '../fused/bias-gelu';
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

/** Inputs of `QFormer.encodeJoint`. */
export interface QFormerJointInput {
  /** Image features `[b, n, encoderWidth]`; when given, the queries take part (and cross-attend to them). */
  image?: tf.Tensor;
  /** Text embeddings `[b, t, hidden]` (word + position), before the shared LayerNorm. */
  text?: tf.Tensor;
  /** Added to the self-attention logits, `[b, 1, nq + t, nq + t]` (0 allowed, large negative masked). */
  selfAttentionBias?: tf.Tensor;
  /** Layer `i`'s text FFN (BERT `intermediate` + `output`, post-LN), applied to the text states. */
  textFfn?: (layer: number, h: tf.Tensor) => tf.Tensor;
  training?: boolean;
}

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

  private attention(prefix: string, q: tf.Tensor, kv: tf.Tensor, drop: (x: tf.Tensor) => tf.Tensor, bias?: tf.Tensor): tf.Tensor {
    const heads = this.config.numHeads;
    const query = splitHeads(dense(q, this.w(`${prefix}.query.kernel`), this.w(`${prefix}.query.bias`)), heads);
    const key = splitHeads(dense(kv, this.w(`${prefix}.key.kernel`), this.w(`${prefix}.key.bias`)), heads);
    const value = splitHeads(dense(kv, this.w(`${prefix}.value.kernel`), this.w(`${prefix}.value.bias`)), heads);
    const context = mergeHeads(attend(query, key, value, { bias, dropProbs: drop }));
    const out = drop(dense(context, this.w(`${prefix}.output.kernel`), this.w(`${prefix}.output.bias`)));
    // Post-LN (BERT): LN(x + Dense(attention)).
    return layerNorm(tf.add(out, q), this.w(`${prefix}.norm.gamma`), this.w(`${prefix}.norm.beta`), this.config.layerNormEps);
  }

  /**
   * The Q-Former's layers over `[queries; text]`, as BLIP-2 stage 1 runs them: one self-attention
   * over both (masked by `selfAttentionBias`), cross-attention to the image for the queries only,
   * the query FFN on the queries and the text FFN (`textFfn`, BERT's `intermediate`/`output`) on the
   * text. Queries take part when `image` is given; `text` is word + position embeddings before the
   * shared LayerNorm. Returns the hidden states of each part (no language projection).
   */
  encodeJoint(input: QFormerJointInput): { queries?: tf.Tensor; text?: tf.Tensor } {
    const c = this.config;
    const drop = (t: tf.Tensor) => dropout(t, c.dropout, input.training ?? false, () => this.seeds.int(2 ** 31));
    const { image, text } = input;
    if (!image && !text) throw new VlmError('qformer.input', 'encodeJoint needs an image, a text or both', { hint: 'pass image features, text embeddings, or both' });
    if (text && !input.textFfn) throw new VlmError('qformer.input', 'text passes the text FFN of each layer, but no textFfn was given', { hint: 'pass textFfn(layer, h)' });
    return tf.tidy(() => {
      const nq = image ? c.numQueries : 0;
      const batch = (image ?? (text as tf.Tensor)).shape[0] as number;
      const parts: tf.Tensor[] = [];
      if (image) parts.push(tf.tile(this.w('query_tokens'), [batch, 1, 1]));
      if (text) parts.push(text);
      const joined = parts.length === 1 ? (parts[0] as tf.Tensor) : tf.concat(parts, 1);
      let h = drop(layerNorm(joined, this.w('layernorm.gamma'), this.w('layernorm.beta'), c.layerNormEps)); // [b, nq + t, hidden]
      const total = h.shape[1] as number;
      for (let i = 0; i < c.numLayers; i++) {
        const p = `layer_${i}`;
        h = this.attention(`${p}.self`, h, h, drop, input.selfAttentionBias);
        const out: tf.Tensor[] = [];
        if (image) {
          let q = text ? tf.slice(h, [0, 0, 0], [batch, nq, -1]) : h;
          if (this.hasCrossAttention(i)) q = this.attention(`${p}.cross`, q, image, drop);
          const inner = biasGelu(dense(q, this.w(`${p}.ffn.intermediate.kernel`)), this.w(`${p}.ffn.intermediate.bias`));
          const ffn = drop(dense(inner, this.w(`${p}.ffn.output.kernel`), this.w(`${p}.ffn.output.bias`)));
          out.push(layerNorm(tf.add(ffn, q), this.w(`${p}.ffn.norm.gamma`), this.w(`${p}.ffn.norm.beta`), c.layerNormEps));
        }
        if (text) out.push((input.textFfn as QFormerJointInput['textFfn'] & {})(i, image ? tf.slice(h, [0, nq, 0], [batch, total - nq, -1]) : h));
        h = out.length === 1 ? (out[0] as tf.Tensor) : tf.concat(out, 1);
      }
      return {
        queries: image ? (text ? tf.slice(h, [0, 0, 0], [batch, nq, -1]) : h) : undefined,
        text: text ? (image ? tf.slice(h, [0, nq, 0], [batch, total - nq, -1]) : h) : undefined,
      };
    });
  }

  /** Projects query states to the language model's width (BLIP-2's `language_projection`); identity without `outputDim`. */
  project(queries: tf.Tensor): tf.Tensor {
    return this.config.outputDim === undefined ? queries : tf.tidy(() => dense(queries, this.w('projection.kernel'), this.w('projection.bias')));
  }

  apply(x: tf.Tensor, options: ApplyOptions = {}): tf.Tensor {
    return tf.tidy(() => this.project(this.encodeJoint({ image: x, training: options.training }).queries as tf.Tensor));
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
