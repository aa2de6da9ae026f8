// Test-only: a plain-JS LLaMA (loops over number arrays) and a writer of random upstream state dicts,
// used to check the tfjs model against an independent implementation.
import type { Rng } from '@vlm/core';

/** Upstream-named tensors in PyTorch layout. */
export type StateDict = Map<string, { shape: number[]; data: Float32Array }>;

/** The fields of a HF LLaMA config.json the reference reads. */
export interface RefLlamaConfig {
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  rms_norm_eps: number;
  rope_theta: number;
  tie_word_embeddings: boolean;
}

/** Random weights with upstream names and shapes for a LLaMA config. */
export function randomLlamaStateDict(c: RefLlamaConfig, rng: Rng, scale = 0.3): StateDict {
  const sd: StateDict = new Map();
  const hd = c.hidden_size / c.num_attention_heads;
  const add = (name: string, shape: number[], around = 0) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = around + rng.normal() * scale;
    sd.set(name, { shape, data });
  };
  add('model.embed_tokens.weight', [c.vocab_size, c.hidden_size]);
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const l = `model.layers.${i}`;
    add(`${l}.input_layernorm.weight`, [c.hidden_size], 1);
    add(`${l}.self_attn.q_proj.weight`, [c.num_attention_heads * hd, c.hidden_size]);
    add(`${l}.self_attn.k_proj.weight`, [c.num_key_value_heads * hd, c.hidden_size]);
    add(`${l}.self_attn.v_proj.weight`, [c.num_key_value_heads * hd, c.hidden_size]);
    add(`${l}.self_attn.o_proj.weight`, [c.hidden_size, c.num_attention_heads * hd]);
    add(`${l}.post_attention_layernorm.weight`, [c.hidden_size], 1);
    add(`${l}.mlp.gate_proj.weight`, [c.intermediate_size, c.hidden_size]);
    add(`${l}.mlp.up_proj.weight`, [c.intermediate_size, c.hidden_size]);
    add(`${l}.mlp.down_proj.weight`, [c.hidden_size, c.intermediate_size]);
  }
  add('model.norm.weight', [c.hidden_size], 1);
  if (!c.tie_word_embeddings) add('lm_head.weight', [c.vocab_size, c.hidden_size]);
  return sd;
}

type Vec = number[];

function w(sd: StateDict, name: string): { shape: number[]; data: Float32Array } {
  const t = sd.get(name);
  if (!t) throw new Error(`reference: missing ${name}`);
  return t;
}

/** y = W x for an upstream [out, in] weight. */
export function refLinear(sd: StateDict, name: string, x: Vec): Vec {
  const { shape, data } = w(sd, name);
  const [out, inn] = shape as [number, number];
  const y = new Array<number>(out).fill(0);
  for (let o = 0; o < out; o++) {
    let acc = 0;
    for (let i = 0; i < inn; i++) acc += (data[o * inn + i] as number) * (x[i] as number);
    y[o] = acc;
  }
  const bias = sd.get(name.replace(/weight$/, 'bias'));
  if (bias && name.endsWith('weight')) for (let o = 0; o < out; o++) y[o] = (y[o] as number) + (bias.data[o] as number);
  return y;
}

/** RMSNorm by the definition. */
export function refRmsNorm(x: Vec, weight: ArrayLike<number>, eps: number): Vec {
  const ms = x.reduce((a, v) => a + v * v, 0) / x.length;
  const r = 1 / Math.sqrt(ms + eps);
  return x.map((v, i) => v * r * (weight[i] as number));
}

/** Rotary embedding of one head vector at position `pos` (rotate-half layout). */
export function refRope(x: Vec, pos: number, theta: number): Vec {
  const d = x.length;
  const half = d / 2;
  const out = x.slice();
  for (let i = 0; i < half; i++) {
    const angle = pos / Math.pow(theta, (2 * i) / d);
    const x1 = x[i] as number;
    const x2 = x[i + half] as number;
    out[i] = x1 * Math.cos(angle) - x2 * Math.sin(angle);
    out[i + half] = x2 * Math.cos(angle) + x1 * Math.sin(angle);
  }
  return out;
}

/** Logits `[s][vocab]` of one sequence through the plain reference LLaMA. */
export function refLlamaLogits(c: RefLlamaConfig, sd: StateDict, ids: number[]): number[][] {
  const D = c.hidden_size;
  const H = c.num_attention_heads;
  const KV = c.num_key_value_heads;
  const hd = D / H;
  const emb = w(sd, 'model.embed_tokens.weight').data;
  let xs: Vec[] = ids.map((id) => Array.from(emb.subarray(id * D, (id + 1) * D)));
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `model.layers.${l}`;
    const hs = xs.map((x) => refRmsNorm(x, w(sd, `${p}.input_layernorm.weight`).data, c.rms_norm_eps));
    const qs = hs.map((h) => refLinear(sd, `${p}.self_attn.q_proj.weight`, h));
    const ks = hs.map((h) => refLinear(sd, `${p}.self_attn.k_proj.weight`, h));
    const vs = hs.map((h) => refLinear(sd, `${p}.self_attn.v_proj.weight`, h));
    const head = (v: Vec, i: number) => v.slice(i * hd, (i + 1) * hd);
    const attnOut = xs.map((_, t) => {
      const out: number[] = [];
      for (let h = 0; h < H; h++) {
        const kvh = Math.floor(h / (H / KV));
        const q = refRope(head(qs[t] as Vec, h), t, c.rope_theta);
        const scores: number[] = [];
        for (let s = 0; s <= t; s++) {
          const k = refRope(head(ks[s] as Vec, kvh), s, c.rope_theta);
          scores.push(q.reduce((a, v, i) => a + v * (k[i] as number), 0) / Math.sqrt(hd));
        }
        const max = Math.max(...scores);
        const e = scores.map((v) => Math.exp(v - max));
        const z = e.reduce((a, v) => a + v, 0);
        const o = new Array<number>(hd).fill(0);
        for (let s = 0; s <= t; s++) {
          const v = head(vs[s] as Vec, kvh);
          for (let i = 0; i < hd; i++) o[i] = (o[i] as number) + ((e[s] as number) / z) * (v[i] as number);
        }
        out.push(...o);
      }
      return refLinear(sd, `${p}.self_attn.o_proj.weight`, out);
    });
    xs = xs.map((x, t) => x.map((v, i) => v + ((attnOut[t] as Vec)[i] as number)));
    xs = xs.map((x) => {
      const h = refRmsNorm(x, w(sd, `${p}.post_attention_layernorm.weight`).data, c.rms_norm_eps);
      const g = refLinear(sd, `${p}.mlp.gate_proj.weight`, h);
      const u = refLinear(sd, `${p}.mlp.up_proj.weight`, h);
      const m = refLinear(sd, `${p}.mlp.down_proj.weight`, g.map((v, i) => (v / (1 + Math.exp(-v))) * (u[i] as number)));
      return x.map((v, i) => v + (m[i] as number));
    });
  }
  return xs.map((x) => {
    const h = refRmsNorm(x, w(sd, 'model.norm.weight').data, c.rms_norm_eps);
    return refLinear(sd, c.tie_word_embeddings ? 'model.embed_tokens.weight' : 'lm_head.weight', h);
  });
}
