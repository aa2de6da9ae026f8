import { createHash } from 'node:crypto';

/** Deterministic unit-length embedding of a string, from its SHA-256 (stable across runs and processes). */
export function hashEmbedding(input: string, dimensions = 8): number[] {
  const values: number[] = [];
  let block = 0;
  while (values.length < dimensions) {
    const digest = createHash('sha256').update(`${block}:${input}`).digest();
    for (let i = 0; i + 1 < digest.length && values.length < dimensions; i += 2) {
      values.push(digest.readUInt16BE(i) / 65535 - 0.5);
    }
    block += 1;
  }
  const norm = Math.sqrt(values.reduce((s, v) => s + v * v, 0)) || 1;
  return values.map((v) => v / norm);
}
