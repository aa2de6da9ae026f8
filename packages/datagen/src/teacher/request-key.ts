import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal content always serialises to equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * The content address of a teacher request: SHA-256 over model, messages and sampling parameters
 * (canonical JSON). Equal requests share one cache entry whatever the key order or the caller.
 */
export function requestKey(model: string, messages: unknown, params: Record<string, unknown> = {}): string {
  return createHash('sha256').update(canonicalJson({ model, messages, params })).digest('hex');
}
