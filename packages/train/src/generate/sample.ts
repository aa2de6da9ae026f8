import type { Rng } from '@vlm/core';

/** How the next token is chosen. Temperature 0 (default) is greedy. */
export interface SamplingOptions {
  temperature?: number;
  /** Nucleus sampling: keep the smallest set of tokens whose probability reaches topP. */
  topP?: number;
  /** Needed when temperature > 0. */
  rng?: Rng;
}

/** Index of the largest logit (first on ties). */
export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if ((logits[i] as number) > (logits[best] as number)) best = i;
  return best;
}

/** Picks the next token: greedy, or temperature + top-p sampling with the seeded generator. */
export function sampleToken(logits: ArrayLike<number>, options: SamplingOptions = {}): number {
  const temperature = options.temperature ?? 0;
  if (temperature <= 0) return argmax(logits);
  if (!options.rng) throw new Error('sampling with temperature > 0 needs a seeded rng');
  const n = logits.length;
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[i] as number);
  const probs = new Float64Array(n);
  let z = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.exp(((logits[i] as number) - max) / temperature);
    probs[i] = p;
    z += p;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (probs[b] as number) - (probs[a] as number) || a - b);
  const topP = options.topP ?? 1;
  const kept: number[] = [];
  let mass = 0;
  for (const i of order) {
    kept.push(i);
    mass += (probs[i] as number) / z;
    if (mass >= topP) break;
  }
  let u = options.rng.next() * kept.reduce((s, i) => s + (probs[i] as number), 0);
  for (const i of kept) {
    u -= probs[i] as number;
    if (u <= 0) return i;
  }
  return kept[kept.length - 1] as number;
}
