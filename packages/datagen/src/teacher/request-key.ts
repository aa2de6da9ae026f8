import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal content always serialises to equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  // Plain loops and one string built by concatenation: this runs over every request (~5 KB each), and
  // the entries/filter/sort/map/join version spent its time allocating arrays.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item: unknown = value[i];
      out += item === undefined ? 'null' : canonicalJson(item);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length > 1) keys.sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `${out}}`;
}

/**
 * The content address of a teacher request: SHA-256 over model, messages and sampling parameters
 * (canonical JSON). Equal requests share one cache entry whatever the key order or the caller.
 */
export function requestKey(model: string, messages: unknown, params: Record<string, unknown> = {}): string {
  return createHash('sha256').update(canonicalJson({ model, messages, params })).digest('hex');
}
