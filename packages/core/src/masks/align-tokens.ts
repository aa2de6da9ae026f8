import { VlmError, type ErrorLocation } from '../errors/vlm-error';
import type { Tokenizer } from '../tokenizers/tokenizer';
import { utf8CharOffsets } from '../tokenizers/utf8-offsets';

/** Thrown when the tokens of a text do not spell that text (a normaliser changed it, an unknown token...). */
export class TokenAlignmentError extends VlmError {
  constructor(message: string, location: ErrorLocation) {
    super('token_span_mismatch', message, {
      location,
      hint: 'The tokens do not reproduce the formatted text, so labels cannot be placed safely. Check the tokenizer (normalisers that rewrite text, missing byte fallback) or report the record.',
    });
  }
}

const utf8 = new TextEncoder();
const ASCII = /^[\x00-\x7f]*$/;
const surfaces = new WeakMap<Tokenizer, (string | null)[]>();

// The surface strings of ids whose bytes are all ASCII (null otherwise), cached per tokenizer.
function surfaceCache(tokenizer: Tokenizer): (string | null)[] {
  let cache = surfaces.get(tokenizer);
  if (!cache) surfaces.set(tokenizer, (cache = []));
  return cache;
}

function asciiSurface(tokenizer: Tokenizer, cache: (string | null)[], id: number): string | null {
  let s = cache[id];
  if (s === undefined) {
    const bytes = tokenizer.tokenBytes(id);
    s = bytes && bytes.every((b) => b < 0x80) ? String.fromCharCode(...bytes) : null;
    cache[id] = s;
  }
  return s;
}

// Fast path for ASCII text: compare token strings directly. Returns false (nothing decided) on any
// disagreement, so the byte path below produces the precise error.
function alignAscii(segment: string, ids: readonly number[], tokenizer: Tokenizer, prefix: boolean, base: number, out: Int32Array, outIndex: number): boolean {
  const cache = surfaceCache(tokenizer);
  let pos = prefix && tokenizer.prefixSpace ? -1 : 0;
  for (let t = 0; t < ids.length; t++) {
    const surface = asciiSurface(tokenizer, cache, ids[t]!);
    if (surface === null) return false;
    const start = pos;
    if (pos < 0) {
      if (surface.charCodeAt(0) !== 32 || !segment.startsWith(surface.slice(1), 0)) return false;
      pos = surface.length - 1;
    } else {
      if (!segment.startsWith(surface, pos)) return false;
      pos += surface.length;
    }
    out[2 * (outIndex + t)] = base + Math.max(start, 0);
    out[2 * (outIndex + t) + 1] = base + pos;
  }
  return pos === segment.length;
}

/**
 * Character offsets of each token of one independently encoded segment, found by spelling the tokens'
 * bytes against the segment's bytes. A dummy-prefix space (when `prefix` and the tokenizer adds one)
 * takes no characters. Writes `[start, end)` pairs, shifted by `base`, into `out` from `outIndex`.
 */
export function alignSegment(
  segment: string,
  ids: readonly number[],
  tokenizer: Tokenizer,
  prefix: boolean,
  base: number,
  out: Int32Array,
  outIndex: number,
  where: ErrorLocation,
): void {
  if (ASCII.test(segment) && alignAscii(segment, ids, tokenizer, prefix, base, out, outIndex)) return;
  const bytes = utf8.encode(segment);
  const ascii = bytes.length === segment.length;
  let startChar: Int32Array | undefined;
  let endChar: Int32Array | undefined;
  if (!ascii) {
    // byte position -> UTF-16 index of the character containing it (start) / ending at or after it (end)
    ({ start: startChar, end: endChar } = utf8CharOffsets(segment, bytes.length));
  }
  let pos = prefix && tokenizer.prefixSpace ? -1 : 0;
  for (let t = 0; t < ids.length; t++) {
    const id = ids[t]!;
    const tokenBytes = tokenizer.tokenBytes(id);
    if (!tokenBytes) throw new TokenAlignmentError(`Token id ${id} has no text in the vocabulary.`, where);
    const start = pos;
    for (let k = 0; k < tokenBytes.length; k++) {
      const x = tokenBytes[k]!;
      if (pos < 0) {
        if (x !== 0x20) throw new TokenAlignmentError(`Token ${JSON.stringify(tokenizer.idToToken(id))} does not start with the expected prefix space.`, where);
      } else if (bytes[pos] !== x) {
        const at = ascii ? pos : startChar![Math.min(pos, bytes.length)]!;
        throw new TokenAlignmentError(
          `Token ${JSON.stringify(tokenizer.idToToken(id))} (id ${id}) does not match the text at ${JSON.stringify(segment.slice(Math.max(0, at - 10), at + 10))}.`,
          where,
        );
      }
      pos++;
    }
    const s = Math.max(start, 0);
    const e = Math.max(pos, 0);
    out[2 * (outIndex + t)] = base + (ascii ? s : startChar![s]!);
    out[2 * (outIndex + t) + 1] = base + (ascii ? e : endChar![e]!);
  }
  if (pos !== bytes.length) {
    throw new TokenAlignmentError(`The tokens spell ${pos} of ${bytes.length} bytes of a text segment.`, where);
  }
}
