import { VlmError } from '../errors/vlm-error';
import { registerEncodeInto } from './token-sink';

/**
 * A text tokenizer as the toolkit sees it. Special strings (`<s>`, `</s>`, `<|im_end|>`, `<image>` ...)
 * are matched by `encode` and always become their single id; `encodeText` never matches them, so text
 * inside a message that happens to contain `</s>` stays text.
 */
export interface Tokenizer {
  /** Identity saved with checkpoints, e.g. `llama-2`, `hf:tokenizer.json`, `bytes`. */
  readonly name: string;
  /** Number of ids, special tokens included. */
  readonly vocabSize: number;
  readonly bosId: number | undefined;
  readonly eosId: number | undefined;
  /** Id used for padding (never used to derive labels). */
  readonly padId: number;
  /** Whether a sequence starts with BOS. */
  readonly addBos: boolean;
  /** Whether each independently encoded segment gets a leading space (SentencePiece dummy prefix). */
  readonly prefixSpace: boolean;
  /** Special strings and their ids. */
  readonly specialTokens: ReadonlyMap<string, number>;
  /** Encodes text, turning special strings into their ids; adds BOS when `addBos` (default: the tokenizer's). */
  encode(text: string, options?: { addBos?: boolean }): number[];
  /**
   * Encodes plain text with no special-string matching. `prefix: true` (default) encodes it as a fresh
   * segment (with the dummy prefix where the tokenizer has one); `false` as a continuation.
   */
  encodeText(text: string, options?: { prefix?: boolean }): number[];
  /**
   * `encodeText` plus the `[start, end)` characters of each token in `text`, when the engine can give
   * them from verified per-word alignments; undefined when it cannot (callers then align themselves).
   */
  encodeTextAligned(text: string, options?: { prefix?: boolean }): { ids: number[]; offsets: Int32Array } | undefined;
  /** The UTF-8 bytes a token stands for (a byte-fallback token is one byte), or undefined for unknown ids. */
  tokenBytes(id: number): Uint8Array | undefined;
  /** Decodes ids to text. Special ids are written as their string unless `skipSpecialTokens`. */
  decode(ids: ArrayLike<number>, options?: { skipSpecialTokens?: boolean; stripLeadingSpace?: boolean }): string;
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  /** A tokenizer with extra special strings appended as new ids (an embedding resize, upstream). */
  withSpecialTokens(tokens: readonly string[]): Tokenizer;
}

/** What an engine (a tokenizer library or our own code) provides; `createSegmentTokenizer` does the rest. */
export interface TokenizerEngine {
  name: string;
  /** Number of ids of the base vocabulary, engine specials included. */
  vocabSize: number;
  prefixSpace: boolean;
  encodeText(text: string, prefix: boolean): number[];
  /** The vocabulary string of an id, or undefined. */
  idToToken(id: number): string | undefined;
  tokenToId(token: string): number | undefined;
  /** Bytes of a non-special token. */
  tokenBytes(id: number): Uint8Array | undefined;
  /** Optional: ids with character offsets (see `Tokenizer.encodeTextAligned`). */
  encodeTextAligned?(text: string, prefix: boolean): { ids: number[]; offsets: Int32Array } | undefined;
}

/** Options shared by the tokenizer factories. */
export interface SpecialTokenOptions {
  /** Special strings of the base vocabulary (string -> id). */
  specials: ReadonlyMap<string, number>;
  bosToken?: string;
  eosToken?: string;
  padToken?: string;
  addBos: boolean;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Builds a `Tokenizer` from an engine and its special strings. */
export function createSegmentTokenizer(engine: TokenizerEngine, options: SpecialTokenOptions): Tokenizer {
  const specials = new Map(options.specials);
  const specialById = new Map<number, string>();
  for (const [s, id] of specials) specialById.set(id, s);
  const vocabSize = Math.max(engine.vocabSize, ...[...specials.values()].map((id) => id + 1));
  const idOf = (token: string | undefined) => (token === undefined ? undefined : (specials.get(token) ?? engine.tokenToId(token)));
  const bosId = idOf(options.bosToken);
  const eosId = idOf(options.eosToken);
  const padId = idOf(options.padToken) ?? eosId ?? 0;
  // Longest first, so `<|im_end|>` wins over a hypothetical `<|im`.
  const pattern =
    specials.size === 0
      ? undefined
      : new RegExp(
          [...specials.keys()]
            .sort((a, b) => b.length - a.length)
            .map(escapeRegExp)
            .join('|'),
          'g',
        );
  const bytesCache = new Map<number, Uint8Array>();

  const tokenizer: Tokenizer = {
    name: engine.name,
    vocabSize,
    bosId,
    eosId,
    padId,
    addBos: options.addBos && bosId !== undefined,
    prefixSpace: engine.prefixSpace,
    specialTokens: specials,
    encodeText(text, o = {}) {
      return text.length === 0 ? [] : engine.encodeText(text, o.prefix ?? true);
    },
    encodeTextAligned(text, o = {}) {
      if (!engine.encodeTextAligned) return undefined;
      return text.length === 0 ? { ids: [], offsets: new Int32Array(0) } : engine.encodeTextAligned(text, o.prefix ?? true);
    },
    encode(text, o = {}) {
      const ids: number[] = [];
      if ((o.addBos ?? tokenizer.addBos) && bosId !== undefined) ids.push(bosId);
      let last = 0;
      if (pattern) {
        pattern.lastIndex = 0;
        for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
          if (m.index > last) ids.push(...engine.encodeText(text.slice(last, m.index), true));
          ids.push(specials.get(m[0])!);
          last = m.index + m[0].length;
        }
      }
      if (last < text.length) ids.push(...engine.encodeText(text.slice(last), true));
      return ids;
    },
    tokenBytes(id) {
      let bytes = bytesCache.get(id);
      if (bytes) return bytes;
      const special = specialById.get(id);
      bytes = special !== undefined ? utf8.encode(special) : engine.tokenBytes(id);
      if (bytes) bytesCache.set(id, bytes);
      return bytes;
    },
    decode(ids, o = {}) {
      const parts: Uint8Array[] = [];
      let length = 0;
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i]!;
        if (o.skipSpecialTokens && specialById.has(id)) continue;
        const bytes = tokenizer.tokenBytes(id);
        if (!bytes) continue;
        parts.push(bytes);
        length += bytes.length;
      }
      const all = new Uint8Array(length);
      let offset = 0;
      for (const p of parts) {
        all.set(p, offset);
        offset += p.length;
      }
      const text = utf8Decoder.decode(all);
      const strip = o.stripLeadingSpace ?? engine.prefixSpace;
      return strip && text.startsWith(' ') ? text.slice(1) : text;
    },
    tokenToId: (token) => idOf(token),
    idToToken: (id) => specialById.get(id) ?? engine.idToToken(id),
    withSpecialTokens(tokens) {
      const next = new Map(specials);
      let nextId = vocabSize;
      for (const t of tokens) {
        if (t.length === 0) throw new VlmError('special_token_empty', 'A special token cannot be the empty string.');
        if (next.has(t)) continue;
        const existing = engine.tokenToId(t);
        next.set(t, existing ?? nextId++);
      }
      return createSegmentTokenizer({ ...engine, vocabSize: Math.max(engine.vocabSize, vocabSize) }, { ...options, specials: next });
    },
  };
  registerEncodeInto(tokenizer, engine);
  return tokenizer;
}
