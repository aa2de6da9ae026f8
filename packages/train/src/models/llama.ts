// LLaMA-family decoder (LLaMA, TinyLlama, SmolLM, Vicuna), top to bottom:
// config -> parameters (upstream names) -> attention / MLP blocks -> model forward.
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@vlm/core';
import { causalMask, mergeHeads, scaledDotProductAttention, splitHeads } from '../nn/attention';
import { embed } from '../nn/embedding';
import { type LinearAdapter, linear } from '../nn/linear';
import { rmsNormFused as rmsNorm, ropeFused, swiglu } from '../nn/fused';
import { type ParamInit, ParamSet, constantValues, normalValues } from '../nn/params';
import { ropeInverseFrequencies, ropeTables } from '../nn/rope';

/** LLaMA architecture hyper-parameters (Hugging Face `LlamaConfig`, camel-cased). */
export interface LlamaConfig {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  /** Grouped-query attention: fewer key/value heads than query heads. Equal means plain MHA. */
  numKeyValueHeads: number;
  /** Defaults to hiddenSize / numAttentionHeads. */
  headDim?: number;
  maxPositionEmbeddings: number;
  rmsNormEps: number;
  ropeTheta: number;
  tieWordEmbeddings: boolean;
  attentionBias?: boolean;
  mlpBias?: boolean;
  initializerRange?: number;
  bosTokenId?: number;
  eosTokenId?: number | number[];
}

/** Cached keys and values of every layer (`[b, kvHeads, t, headDim]`), grown by each forward call. */
export interface KvCache {
  layers: { k: tf.Tensor; v: tf.Tensor }[];
  /** Number of positions already cached. */
  length: number;
}

/** Inputs of {@link LlamaModel.forward}: token ids or ready embeddings (spliced image features). */
export interface LlamaForwardInput {
  /** `[b, s]` int32 ids. */
  inputIds?: tf.Tensor2D;
  /** `[b, s, hidden]`; wins over inputIds. */
  inputsEmbeds?: tf.Tensor3D;
  /** `[b, past + s]`, 1 = real token, 0 = padding. Positions are counted over real tokens only. */
  attentionMask?: tf.Tensor2D;
  /** `[b, s]` explicit positions; otherwise derived from attentionMask or the cache length. */
  positionIds?: tf.Tensor2D;
  /** Appended to in place (tensors kept outside tidy scopes). */
  cache?: KvCache;
  outputHiddenStates?: boolean;
  /** Hook run on the residual stream before decoder layer `i` (Flamingo cross-attention). */
  beforeLayer?: (layer: number, x: tf.Tensor3D) => tf.Tensor3D;
  /** Only compute logits of the last position (generation). */
  lastLogitsOnly?: boolean;
  /**
   * Only compute logits at these flat positions (`row · s + t`), returned as `[1, n, vocab]`: training
   * needs the head only where a label is trained, and the head is a large share of a small model's step.
   */
  logitPositions?: tf.Tensor1D;
}

/** Outputs of {@link LlamaModel.forward}. */
export interface LlamaOutput {
  /** `[b, s, vocab]` (or `[b, 1, vocab]` with lastLogitsOnly). */
  logits: tf.Tensor3D;
  /** Input embeddings, then each layer's output; the last one after the final norm (as in HF). */
  hiddenStates?: tf.Tensor3D[];
}

/** The LLaMA language model; parameters are named exactly like the Hugging Face checkpoint keys. */
export class LlamaModel {
  readonly params: ParamSet;
  readonly headDim: number;
  /** Extra term added to the output of named linear layers (LoRA); the head is never adapted. */
  adapter?: LinearAdapter;
  private readonly invFreq: Float32Array;

  constructor(readonly config: LlamaConfig, rng: ParamInit = createRng(0)) {
    const c = config;
    this.headDim = c.headDim ?? c.hiddenSize / c.numAttentionHeads;
    this.invFreq = ropeInverseFrequencies(this.headDim, c.ropeTheta);
    this.params = new ParamSet('llama');
    const std = c.initializerRange ?? 0.02;
    const p = this.params;
    const D = c.hiddenSize;
    const qDim = c.numAttentionHeads * this.headDim;
    const kvDim = c.numKeyValueHeads * this.headDim;
    const lin = (name: string, inDim: number, outDim: number, bias: boolean) => {
      p.add(`${name}.weight`, [inDim, outDim], normalValues(rng, inDim * outDim, std), 'linear');
      if (bias) p.add(`${name}.bias`, [outDim], constantValues(outDim, 0));
    };
    p.add('model.embed_tokens.weight', [c.vocabSize, D], normalValues(rng, c.vocabSize * D, std));
    for (let i = 0; i < c.numHiddenLayers; i++) {
      const l = `model.layers.${i}`;
      p.add(`${l}.input_layernorm.weight`, [D], constantValues(D, 1));
      lin(`${l}.self_attn.q_proj`, D, qDim, !!c.attentionBias);
      lin(`${l}.self_attn.k_proj`, D, kvDim, !!c.attentionBias);
      lin(`${l}.self_attn.v_proj`, D, kvDim, !!c.attentionBias);
      lin(`${l}.self_attn.o_proj`, qDim, D, !!c.attentionBias);
      p.add(`${l}.post_attention_layernorm.weight`, [D], constantValues(D, 1));
      lin(`${l}.mlp.gate_proj`, D, c.intermediateSize, !!c.mlpBias);
      lin(`${l}.mlp.up_proj`, D, c.intermediateSize, !!c.mlpBias);
      lin(`${l}.mlp.down_proj`, c.intermediateSize, D, !!c.mlpBias);
    }
    p.add('model.norm.weight', [D], constantValues(D, 1));
    if (!c.tieWordEmbeddings) lin('lm_head', D, c.vocabSize, false);
  }

  /** Token embeddings `[b, s]` -> `[b, s, hidden]` (used by compositions to splice images in). */
  embedTokens(ids: tf.Tensor2D): tf.Tensor3D {
    return embed(this.params.get('model.embed_tokens.weight') as tf.Tensor2D, ids) as tf.Tensor3D;
  }

  /** An empty cache for incremental decoding. */
  createCache(): KvCache {
    return { layers: [], length: 0 };
  }

  forward(input: LlamaForwardInput): LlamaOutput {
    const c = this.config;
    let x = input.inputsEmbeds ?? this.embedTokens(input.inputIds as tf.Tensor2D); // [b, s, D]
    const [b, s] = x.shape;
    const past = input.cache?.length ?? 0;
    const positions = input.positionIds ?? positionsFor(b, s, past, input.attentionMask);
    const { cos, sin } = ropeTables(positions, this.invFreq); // [b, 1, s, headDim]
    const mask = causalMask(s, past, input.attentionMask); // [b|1, 1, s, past + s]
    const hidden: tf.Tensor3D[] | undefined = input.outputHiddenStates ? [x] : undefined;

    for (let i = 0; i < c.numHiddenLayers; i++) {
      if (input.beforeLayer) x = input.beforeLayer(i, x);
      const l = `model.layers.${i}`;
      // x = x + attn(norm(x)); x = x + mlp(norm(x))
      const h = rmsNorm(x, this.params.get(`${l}.input_layernorm.weight`), c.rmsNormEps);
      x = tf.add(x, this.attention(i, h, cos, sin, mask, input.cache)) as tf.Tensor3D;
      const h2 = rmsNorm(x, this.params.get(`${l}.post_attention_layernorm.weight`), c.rmsNormEps);
      x = tf.add(x, this.mlp(i, h2)) as tf.Tensor3D;
      if (hidden && i < c.numHiddenLayers - 1) hidden.push(x);
    }
    if (input.cache) input.cache.length = past + s;

    x = rmsNorm(x, this.params.get('model.norm.weight'), c.rmsNormEps) as tf.Tensor3D;
    if (hidden) hidden.push(x);
    if (input.lastLogitsOnly) x = tf.slice(x, [0, s - 1, 0], [b, 1, c.hiddenSize]);
    else if (input.logitPositions) {
      const n = input.logitPositions.shape[0];
      x = tf.reshape(tf.gather(tf.reshape(x, [b * s, c.hiddenSize]), input.logitPositions), [1, n, c.hiddenSize]);
    }
    return { logits: this.head(x), hiddenStates: hidden };
  }

  /** Hidden `[b, s, D]` -> logits `[b, s, vocab]`; tied models reuse the embedding matrix. */
  head(x: tf.Tensor3D): tf.Tensor3D {
    if (!this.config.tieWordEmbeddings) return linear(x, this.params.get('lm_head.weight')) as tf.Tensor3D;
    // Tied: x · Eᵀ as a transposed product (no [D, vocab] copy held for the backward pass).
    const [b, s, D] = x.shape;
    const table = this.params.get('model.embed_tokens.weight') as tf.Tensor2D;
    return tf.reshape(tf.matMul(tf.reshape(x, [b * s, D]), table, false, true), [b, s, this.config.vocabSize]);
  }

  private proj(name: string, x: tf.Tensor): tf.Tensor {
    const bias = this.params.has(`${name}.bias`) ? this.params.get(`${name}.bias`) : undefined;
    const y = linear(x, this.params.get(`${name}.weight`), bias);
    const extra = this.adapter?.(name, x);
    return extra ? tf.add(y, extra) : y;
  }

  private attention(i: number, x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor, mask: tf.Tensor, cache?: KvCache): tf.Tensor {
    const c = this.config;
    const l = `model.layers.${i}.self_attn`;
    const q = ropeFused(splitHeads(this.proj(`${l}.q_proj`, x), c.numAttentionHeads), cos, sin); // [b, h, s, hd]
    let k = ropeFused(splitHeads(this.proj(`${l}.k_proj`, x), c.numKeyValueHeads), cos, sin); // [b, kvh, s, hd]
    let v = splitHeads(this.proj(`${l}.v_proj`, x), c.numKeyValueHeads); // [b, kvh, s, hd]
    if (cache) {
      const prev = cache.layers[i];
      if (prev) {
        k = tf.concat([prev.k, k], 2); // [b, kvh, past + s, hd]
        v = tf.concat([prev.v, v], 2);
        prev.k.dispose();
        prev.v.dispose();
      }
      cache.layers[i] = { k: tf.keep(k), v: tf.keep(v) };
    }
    const out = scaledDotProductAttention(q, k, v, mask); // [b, h, s, hd]
    return this.proj(`${l}.o_proj`, mergeHeads(out)); // [b, s, D]
  }

  private mlp(i: number, x: tf.Tensor): tf.Tensor {
    const l = `model.layers.${i}.mlp`;
    // SwiGLU: down(silu(gate(x)) * up(x))
    const gate = this.proj(`${l}.gate_proj`, x);
    const up = this.proj(`${l}.up_proj`, x);
    return this.proj(`${l}.down_proj`, swiglu(gate, up));
  }
}

/**
 * Position ids of the `s` new tokens, `[b, s]`, or `[1, s]` when every row has the same: with a padding
 * mask, positions count real tokens only (cumsum(mask) - 1, clamped at 0) so left- and right-padded
 * rows see the same positions.
 */
function positionsFor(b: number, s: number, past: number, attentionMask?: tf.Tensor2D): tf.Tensor2D {
  // without a padding mask every row has the same positions: one row, whose RoPE tables serve the batch
  if (!attentionMask) return tf.reshape(tf.range(past, past + s, 1, 'int32'), [1, s]) as tf.Tensor2D;
  const counts = tf.sub(tf.cumsum(tf.cast(attentionMask, 'int32'), 1), 1);
  const clamped = tf.maximum(counts, 0);
  const t = attentionMask.shape[1];
  return tf.slice(clamped, [0, t - s], [b, s]) as tf.Tensor2D;
}

/** Disposes every tensor held by a cache. */
export function disposeCache(cache: KvCache): void {
  for (const layer of cache.layers) {
    layer.k.dispose();
    layer.v.dispose();
  }
  cache.layers = [];
  cache.length = 0;
}
