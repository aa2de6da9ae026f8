import type { TokenizerJson } from './hf-tokenizer';
import { ENCODE_INTO, TokenSink, type EncodeInto, type MaybeEncodeInto } from './token-sink';
import { createSegmentTokenizer, type Tokenizer, type TokenizerEngine } from './tokenizer';
import { utf8CharOffsets } from './utf8-offsets';

interface LlamaTokenizerJs {
  vocabById: string[];
  vocabByString: Map<string, number>;
  merges: Map<string, number>;
  encode(prompt: string, addBos?: boolean, addPrecedingSpace?: boolean): number[];
}

let loaded: Promise<LlamaTokenizerJs> | undefined;

// llama-tokenizer-js ships the LLaMA-1/2 vocabulary and merges inside its module (decoded on import,
// ~100 ms), so it is loaded on first use only.
function loadEngine(): Promise<LlamaTokenizerJs> {
  loaded ??= import('llama-tokenizer-js').then((m) => {
    const mod = m as unknown as { default: LlamaTokenizerJs | { default: LlamaTokenizerJs } };
    const tok = mod.default;
    return 'vocabById' in tok ? tok : tok.default;
  });
  return loaded;
}

const utf8 = new TextEncoder();

const CACHE_LIMIT = 200_000;
const utf8Words = new TextEncoder();

/**
 * One cached word as a single typed array (one object per word, so a lookup touches little memory):
 * `count` ids, then the character start of each token inside the word, then its character end. Starts
 * and ends are filled on first aligned use (ends are 0 until then: a token's end is at least 1); the
 * first end is -1 when the tokens do not spell the word.
 */
type WordEntry = Int32Array;

// Fills the starts and ends of an entry; false when the tokens do not spell the word. Tokens whose text
// is a plain string (`surface`) are compared as strings; a word with a non-ASCII byte-fallback token
// takes the byte path.
function fillSpans(word: string, entry: WordEntry, surface: (id: number) => string | null, tokenBytes: (id: number) => Uint8Array | undefined): boolean {
  const count = (entry.length / 3) | 0;
  let pos = 0;
  let t = 0;
  for (; t < count; t++) {
    const s = surface(entry[t]!);
    if (s === null || !word.startsWith(s, pos)) break;
    entry[count + t] = pos;
    pos += s.length;
    entry[2 * count + t] = pos;
  }
  if (t === count && pos === word.length && count > 0) return true;
  if (count > 0 && !byteSpans(word, entry, count, tokenBytes)) {
    entry[2 * count] = -1;
    return false;
  }
  return count > 0;
}

// Spells the tokens' bytes against the word's bytes and writes each token's characters (UTF-16 units of
// the word) into the entry: a byte-fallback token inside a character covers that whole character, as
// `alignSegment` does. False when they disagree.
function byteSpans(word: string, entry: WordEntry, count: number, tokenBytes: (id: number) => Uint8Array | undefined): boolean {
  const bytes = utf8Words.encode(word);
  const { start: byteToStart, end: byteToEnd } = utf8CharOffsets(word, bytes.length);
  let pos = 0;
  for (let t = 0; t < count; t++) {
    const tb = tokenBytes(entry[t]!);
    if (!tb || tb.length === 0) return false;
    const first = pos;
    for (let k = 0; k < tb.length; k++) if (bytes[pos++] !== tb[k]) return false;
    entry[count + t] = byteToStart[first]!;
    entry[2 * count + t] = byteToEnd[pos]!;
  }
  return pos === bytes.length;
}

/**
 * A copy of `word` that does not keep the text it was cut from alive. A word is a slice of the text
 * being encoded, and engines may represent a slice as a view of that text: kept as a cache key, it
 * would keep the whole text (a formatted prompt of kilobytes, for a word of 13 characters) alive as
 * long as the cache, which costs memory and garbage-collector time in a data loader that formats
 * each prompt, encodes it and drops it. Concatenating and slicing gives a flat string of its own.
 */
function ownString(word: string): string {
  return ` ${word}`.slice(1);
}

/**
 * No LLaMA piece has a space (`▁`) after another character, so no merge crosses the start of a
 * space-led word and each word (`/ *[^ ]+| +/` over the text with its dummy-prefix space) can be encoded
 * on its own with identical ids. The library's BPE is superlinear in the text length, so this (plus a
 * word cache holding typed ids and per-token ends) is what makes long prompts fast.
 */
function llamaEngine(tok: LlamaTokenizerJs): TokenizerEngine & MaybeEncodeInto {
  const cache = new Map<string, WordEntry>();
  // dense arrays (filled lazily), so lookups stay fast element loads
  const bytesById: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(tok.vocabById.length).fill(undefined);
  const cachedBytes = (id: number) => (bytesById[id] ??= engine.tokenBytes(id));
  const surfaces: (string | null | undefined)[] = new Array<string | null | undefined>(tok.vocabById.length).fill(undefined);
  // The characters a token stands for, or null for a byte-fallback token of a non-ASCII byte.
  const surface = (id: number): string | null => {
    let s = surfaces[id];
    if (s === undefined) {
      const piece = tok.vocabById[id];
      const hex = piece === undefined ? null : /^<0x([0-9A-F]{2})>$/.exec(piece);
      const byte = hex ? parseInt(hex[1]!, 16) : -1;
      s = piece === undefined ? null : hex ? (byte < 0x80 ? String.fromCharCode(byte) : null) : piece.replaceAll('\u2581', ' ');
      surfaces[id] = s;
    }
    return s;
  };
  const lookup = (word: string): WordEntry => {
    let entry = cache.get(word);
    if (entry === undefined) {
      const ids = tok.encode(word, false, false);
      entry = new Int32Array(3 * ids.length);
      entry.set(ids);
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(ownString(word), entry);
    }
    return entry;
  };

  // Words are scanned by hand (no regex match objects); the dummy-prefix space is prepended to the first
  // word's key only, so the text itself is never copied.
  const encodeText = (text: string, prefix: boolean): number[] => {
    const ids: number[] = [];
    const end = text.length;
    if (end === 0) return prefix ? Array.from(lookup(' ').subarray(0, 1)) : ids;
    let i = 0;
    let first = prefix;
    while (i < end) {
      const ws = i;
      while (i < end && text.charCodeAt(i) === 32) i++;
      while (i < end && text.charCodeAt(i) !== 32) i++;
      const word = first ? ` ${text.slice(ws, i)}` : text.slice(ws, i);
      first = false;
      const entry = lookup(word);
      const count = (entry.length / 3) | 0;
      for (let k = 0; k < count; k++) ids.push(entry[k]!);
    }
    return ids;
  };

  const encodeInto: EncodeInto = (text, start, end, prefix, sink) => {
    const mark = sink.length;
    let i = start;
    let first = prefix;
    while (i < end) {
      const ws = i;
      while (i < end && text.charCodeAt(i) === 32) i++;
      while (i < end && text.charCodeAt(i) !== 32) i++;
      // `shift` maps a position in the word key to a position in `text`; the prefix space maps before
      // `start` and is clamped to it (it has no character).
      const word = first ? ` ${text.slice(ws, i)}` : text.slice(ws, i);
      const shift = first ? ws - 1 : ws;
      first = false;
      const entry = lookup(word);
      const count = (entry.length / 3) | 0;
      if (!(entry[2 * count]! > 0) && (entry[2 * count] === -1 || !fillSpans(word, entry, surface, cachedBytes))) {
        sink.length = mark;
        return false;
      }
      let n = sink.length;
      if (n + count > sink.ids.length) sink.reserve(count);
      const outIds = sink.ids;
      const outOffsets = sink.offsets;
      if (shift < start) {
        // the prefixed first word: its dummy-prefix space has no character, so clamp to `start`
        for (let k = 0; k < count; k++) {
          outIds[n] = entry[k]!;
          outOffsets[2 * n] = Math.max(shift + entry[count + k]!, start);
          outOffsets[2 * n + 1] = Math.max(shift + entry[2 * count + k]!, start);
          n++;
        }
      } else {
        for (let k = 0; k < count; k++) {
          outIds[n] = entry[k]!;
          outOffsets[2 * n] = shift + entry[count + k]!;
          outOffsets[2 * n + 1] = shift + entry[2 * count + k]!;
          n++;
        }
      }
      sink.length = n;
    }
    return true;
  };

  // Words are encoded one by one (see above), so a segment may be cut at any word start.
  encodeInto.splitsAtSpaceWords = true;
  const ownSink = new TokenSink();
  const engine: TokenizerEngine & MaybeEncodeInto = {
    name: 'llama-2',
    vocabSize: tok.vocabById.length,
    prefixSpace: true,
    encodeText,
    encodeTextAligned(text, prefix) {
      ownSink.length = 0;
      if (!encodeInto(text, 0, text.length, prefix, ownSink)) return undefined;
      return { ids: Array.from(ownSink.ids.subarray(0, ownSink.length)), offsets: ownSink.offsets.slice(0, 2 * ownSink.length) };
    },
    idToToken: (id) => tok.vocabById[id],
    tokenToId: (token) => tok.vocabByString.get(token),
    tokenBytes(id) {
      const piece = tok.vocabById[id];
      if (piece === undefined) return undefined;
      const hex = /^<0x([0-9A-F]{2})>$/.exec(piece);
      if (hex) return Uint8Array.of(parseInt(hex[1]!, 16));
      return utf8.encode(piece.replaceAll('\u2581', ' '));
    },
    [ENCODE_INTO]: encodeInto,
  };
  return engine;
}

/**
 * The LLaMA-2 / Vicuna tokenizer (32,000 SentencePiece pieces, byte fallback; BOS `<s>` = 1, EOS
 * `</s>` = 2), bundled through the `llama-tokenizer-js` package: no network at run time.
 * `"Hello world"` encodes to `[1, 15043, 3186]`. Pad defaults to `<unk>` (0) as in LLaVA.
 */
export async function loadLlama2Tokenizer(): Promise<Tokenizer> {
  const tok = await loadEngine();
  return createSegmentTokenizer(llamaEngine(tok), {
    specials: new Map([
      ['<unk>', 0],
      ['<s>', 1],
      ['</s>', 2],
    ]),
    bosToken: '<s>',
    eosToken: '</s>',
    padToken: '<unk>',
    addBos: true,
  });
}

/**
 * The same LLaMA-2 tokenizer as a Hugging Face `tokenizer.json` object (BPE, byte fallback, legacy
 * dummy prefix), for `createHfTokenizer` or to save next to a checkpoint.
 */
export async function llama2TokenizerJson(): Promise<TokenizerJson> {
  const tok = await loadEngine();
  const vocab: Record<string, number> = {};
  tok.vocabById.forEach((piece, id) => (vocab[piece] = id));
  const merges = [...tok.merges.entries()].sort((a, b) => a[1] - b[1]).map(([pair]) => pair);
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, '<unk>'), special(1, '<s>'), special(2, '</s>')],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '\u2581' },
        { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<s>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, vocab, merges },
  };
}
