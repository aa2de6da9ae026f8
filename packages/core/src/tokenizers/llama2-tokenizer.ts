import type { TokenizerJson } from './hf-tokenizer';
import { createSegmentTokenizer, type Tokenizer, type TokenizerEngine } from './tokenizer';

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
// Reused between calls; each call returns a copy of the part it filled.
let spanBuffer = new Int32Array(4096);
const utf8Words = new TextEncoder();

/** One cached word: its ids and the character end of each token inside the word (-1: not aligned). */
interface WordEntry {
  ids: number[];
  ends: Int32Array | null;
}

// Spells the tokens' bytes against the word's bytes; returns each token's end (in UTF-16 units of the
// word) or null when they disagree. A token ending inside a character ends at that character's end.
function wordEnds(word: string, ids: number[], tokenBytes: (id: number) => Uint8Array | undefined): Int32Array | null {
  const ends = new Int32Array(ids.length);
  if (/^[\x00-\x7f]*$/.test(word)) {
    // ASCII: one byte per character, compare directly
    let pos = 0;
    for (let t = 0; t < ids.length; t++) {
      const tb = tokenBytes(ids[t]!);
      if (!tb) return null;
      for (let k = 0; k < tb.length; k++) if (word.charCodeAt(pos++) !== tb[k]) return null;
      ends[t] = pos;
    }
    return pos === word.length ? ends : null;
  }
  const bytes = utf8Words.encode(word);
  const byteToEnd = new Int32Array(bytes.length + 1);
  let b = 0;
  for (let c = 0; c < word.length; ) {
    const cp = word.codePointAt(c)!;
    const units = cp > 0xffff ? 2 : 1;
    const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (let k = 1; k <= n; k++) byteToEnd[b + k] = c + units;
    b += n;
    c += units;
  }
  let pos = 0;
  for (let t = 0; t < ids.length; t++) {
    const tb = tokenBytes(ids[t]!);
    if (!tb) return null;
    for (let k = 0; k < tb.length; k++) if (bytes[pos++] !== tb[k]) return null;
    ends[t] = byteToEnd[pos]!;
  }
  return pos === bytes.length ? ends : null;
}

/**
 * No LLaMA piece has a space (`▁`) after another character, so no merge crosses the start of a
 * space-led word and each word can be encoded on its own with identical ids. The library's BPE is
 * superlinear in the text length, so this (plus a word cache) is what makes long prompts fast.
 */
function encodeByWords(
  tok: LlamaTokenizerJs,
  cache: Map<string, WordEntry>,
  text: string,
  prefix: boolean,
  tokenBytes: ((id: number) => Uint8Array | undefined) | undefined,
): { ids: number[]; offsets: Int32Array | undefined } | undefined {
  const full = prefix ? ` ${text}` : text;
  const shift = prefix ? 1 : 0; // the dummy-prefix space has no character in `text`
  const ids: number[] = [];
  const spans = tokenBytes !== undefined;
  let n = 0;
  const words = / *[^ ]+| +/g;
  for (let m = words.exec(full); m !== null; m = words.exec(full)) {
    const word = m[0];
    let entry = cache.get(word);
    if (entry === undefined) {
      entry = { ids: tok.encode(word, false, false), ends: null };
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(word, entry);
    }
    const wordIds = entry.ids;
    if (spans) {
      entry.ends ??= wordEnds(word, wordIds, tokenBytes!);
      if (entry.ends === null) return undefined;
      if (spanBuffer.length < n + 2 * wordIds.length) {
        const grown = new Int32Array(2 * (n + 2 * wordIds.length));
        grown.set(spanBuffer.subarray(0, n));
        spanBuffer = grown;
      }
      let start = m.index;
      for (let k = 0; k < wordIds.length; k++) {
        const end = m.index + entry.ends[k]!;
        spanBuffer[n++] = start > shift ? start - shift : 0;
        spanBuffer[n++] = end > shift ? end - shift : 0;
        start = end;
      }
    }
    for (let k = 0; k < wordIds.length; k++) ids.push(wordIds[k]!);
  }
  return { ids, offsets: spans ? spanBuffer.slice(0, n) : undefined };
}

function llamaEngine(tok: LlamaTokenizerJs): TokenizerEngine {
  const cache = new Map<string, WordEntry>();
  const bytesById: (Uint8Array | undefined)[] = [];
  const cachedBytes = (id: number) => (bytesById[id] ??= engine.tokenBytes(id));
  const engine: TokenizerEngine = {
    name: 'llama-2',
    vocabSize: tok.vocabById.length,
    prefixSpace: true,
    encodeText: (text, prefix) => encodeByWords(tok, cache, text, prefix, undefined)!.ids,
    encodeTextAligned(text, prefix) {
      const r = encodeByWords(tok, cache, text, prefix, cachedBytes);
      return r && r.offsets ? { ids: r.ids, offsets: r.offsets } : undefined;
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
