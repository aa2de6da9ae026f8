// Test-only: a plain-JS CLIP vision tower (loops) and random upstream `vision_model.*` state dicts.
import type { Rng } from '@vlm/core';
import { type StateDict, refLinear } from './reference-llama';

/** The fields of a HF CLIP vision config.json the reference reads. */
export interface RefClipConfig {
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  image_size: number;
  patch_size: number;
  num_channels: number;
  layer_norm_eps: number;
  hidden_act: 'quick_gelu' | 'gelu';
}

/** Random `vision_model.*` weights in PyTorch layout. */
export function randomClipStateDict(c: RefClipConfig, rng: Rng, scale = 0.2): StateDict {
  const sd: StateDict = new Map();
  const D = c.hidden_size;
  const n = (c.image_size / c.patch_size) ** 2 + 1;
  const add = (name: string, shape: number[], around = 0) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = around + rng.normal() * scale;
    sd.set(`vision_model.${name}`, { shape, data });
  };
  const ln = (name: string) => {
    add(`${name}.weight`, [D], 1);
    add(`${name}.bias`, [D]);
  };
  add('embeddings.class_embedding', [D]);
  add('embeddings.patch_embedding.weight', [D, c.num_channels, c.patch_size, c.patch_size]);
  add('embeddings.position_embedding.weight', [n, D]);
  ln('pre_layrnorm');
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const l = `encoder.layers.${i}`;
    ln(`${l}.layer_norm1`);
    for (const p of ['q_proj', 'k_proj', 'v_proj', 'out_proj']) {
      add(`${l}.self_attn.${p}.weight`, [D, D]);
      add(`${l}.self_attn.${p}.bias`, [D]);
    }
    ln(`${l}.layer_norm2`);
    add(`${l}.mlp.fc1.weight`, [c.intermediate_size, D]);
    add(`${l}.mlp.fc1.bias`, [c.intermediate_size]);
    add(`${l}.mlp.fc2.weight`, [D, c.intermediate_size]);
    add(`${l}.mlp.fc2.bias`, [D]);
  }
  ln('post_layernorm');
  return sd;
}

/** LayerNorm over one vector (PyTorch semantics: biased variance, eps inside the root). */
export function refLayerNorm(x: number[], g: ArrayLike<number>, b: ArrayLike<number>, eps: number): number[] {
  const mean = x.reduce((a, v) => a + v, 0) / x.length;
  const variance = x.reduce((a, v) => a + (v - mean) ** 2, 0) / x.length;
  return x.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * (g[i] as number) + (b[i] as number));
}

function erf(x: number): number {
  // Abramowitz-Stegun 7.1.26 is too coarse for 1e-4 checks; use a series / continued fraction mix.
  const t = Math.abs(x);
  if (t < 2.5) {
    let sum = t;
    let term = t;
    for (let n = 1; n < 60; n++) {
      term *= (-t * t) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (t + f);
  return Math.sign(x) * (1 - Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + f));
}

function act(v: number, kind: RefClipConfig['hidden_act']): number {
  return kind === 'quick_gelu' ? v / (1 + Math.exp(-1.702 * v)) : 0.5 * v * (1 + erf(v / Math.SQRT2));
}

/** Every hidden state `[layers + 1][tokens][D]` of one image `pixels[c][y][x]`. */
export function refClipHiddenStates(c: RefClipConfig, sd: StateDict, pixels: number[][][]): number[][][] {
  const g = (name: string) => {
    const t = sd.get(`vision_model.${name}`);
    if (!t) throw new Error(`reference: missing ${name}`);
    return t.data;
  };
  const D = c.hidden_size;
  const P = c.patch_size;
  const grid = c.image_size / P;
  const conv = g('embeddings.patch_embedding.weight');
  const tokens: number[][] = [Array.from(g('embeddings.class_embedding'))];
  for (let gy = 0; gy < grid; gy++) {
    for (let gx = 0; gx < grid; gx++) {
      const e = new Array<number>(D).fill(0);
      for (let d = 0; d < D; d++) {
        let acc = 0;
        for (let ch = 0; ch < c.num_channels; ch++)
          for (let py = 0; py < P; py++)
            for (let px = 0; px < P; px++) acc += (conv[((d * c.num_channels + ch) * P + py) * P + px] as number) * (pixels[ch]![gy * P + py]![gx * P + px] as number);
        e[d] = acc;
      }
      tokens.push(e);
    }
  }
  const pos = g('embeddings.position_embedding.weight');
  let xs = tokens.map((t, i) => t.map((v, d) => v + (pos[i * D + d] as number)));
  xs = xs.map((x) => refLayerNorm(x, g('pre_layrnorm.weight'), g('pre_layrnorm.bias'), c.layer_norm_eps));
  const states = [xs];
  const H = c.num_attention_heads;
  const hd = D / H;
  const lin = (name: string, x: number[]) => refLinear(sd, `vision_model.${name}.weight`, x);
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `encoder.layers.${l}`;
    const hs = xs.map((x) => refLayerNorm(x, g(`${p}.layer_norm1.weight`), g(`${p}.layer_norm1.bias`), c.layer_norm_eps));
    const q = hs.map((h) => lin(`${p}.self_attn.q_proj`, h));
    const k = hs.map((h) => lin(`${p}.self_attn.k_proj`, h));
    const v = hs.map((h) => lin(`${p}.self_attn.v_proj`, h));
    const attn = hs.map((_, t) => {
      const out = new Array<number>(D).fill(0);
      for (let h = 0; h < H; h++) {
        const scores = k.map((kk) => {
          let s = 0;
          for (let i = 0; i < hd; i++) s += (q[t]![h * hd + i] as number) * (kk[h * hd + i] as number);
          return s / Math.sqrt(hd);
        });
        const max = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - max));
        const z = e.reduce((a, b) => a + b, 0);
        for (let s = 0; s < e.length; s++) for (let i = 0; i < hd; i++) out[h * hd + i] = (out[h * hd + i] as number) + ((e[s] as number) / z) * (v[s]![h * hd + i] as number);
      }
      return lin(`${p}.self_attn.out_proj`, out);
    });
    xs = xs.map((x, t) => x.map((val, i) => val + (attn[t]![i] as number)));
    xs = xs.map((x) => {
      const h = refLayerNorm(x, g(`${p}.layer_norm2.weight`), g(`${p}.layer_norm2.bias`), c.layer_norm_eps);
      const m = lin(`${p}.mlp.fc2`, lin(`${p}.mlp.fc1`, h).map((val) => act(val, c.hidden_act)));
      return x.map((val, i) => val + (m[i] as number));
    });
    states.push(xs);
  }
  return states;
}
