import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { VlmError } from '../errors/vlm-error';
import { byteLevelDecoder } from './byte-level-table';
import { createSegmentTokenizer, type Tokenizer, type TokenizerEngine } from './tokenizer';

/** The parts of a Hugging Face `tokenizer.json` this adapter reads (the rest is passed through). */
export interface TokenizerJson {
  model: { type?: string; vocab: Record<string, number> | [string, number][]; byte_fallback?: boolean; unk_token?: string; [k: string]: unknown };
  added_tokens?: { id: number; content: string; special?: boolean }[];
  normalizer?: unknown;
  pre_tokenizer?: unknown;
  post_processor?: unknown;
  decoder?: unknown;
  [k: string]: unknown;
}

/** Options of `createHfTokenizer`. */
export interface HfTokenizerOptions {
  /** Name saved with checkpoints (default `hf:<model type>`). */
  name?: string;
  /** Override the special strings read from the file / tokenizer_config.json. */
  bosToken?: string;
  eosToken?: string;
  padToken?: string;
  /** Add BOS at the start (default: what the post-processor template does). */
  addBos?: boolean;
  /** tokenizer_config.json, for bos/eos/pad names. */
  config?: { bos_token?: unknown; eos_token?: unknown; pad_token?: unknown; add_bos_token?: boolean };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null;

function componentTypes(component: unknown): string[] {
  if (!isObject(component)) return [];
  const nested = ['normalizers', 'pretokenizers', 'decoders', 'processors'].flatMap((k) =>
    Array.isArray(component[k]) ? (component[k] as unknown[]).flatMap(componentTypes) : [],
  );
  return [String(component.type), ...nested];
}

function hasPrefixSpace(json: TokenizerJson): boolean {
  const visit = (c: unknown): boolean => {
    if (!isObject(c)) return false;
    if (c.type === 'Prepend') return true;
    if (c.type === 'Metaspace') return c.prepend_scheme !== undefined ? c.prepend_scheme !== 'never' : c.add_prefix_space !== false;
    if (c.type === 'ByteLevel') return c.add_prefix_space === true;
    return ['normalizers', 'pretokenizers'].some((k) => Array.isArray(c[k]) && (c[k] as unknown[]).some(visit));
  };
  return visit(json.normalizer) || visit(json.pre_tokenizer);
}

// A copy of the tokenizer.json whose components add no dummy prefix: encodes continuation text.
function withoutPrefix(json: TokenizerJson): TokenizerJson {
  const strip = (c: unknown): unknown => {
    if (!isObject(c)) return c;
    if (c.type === 'Prepend') return null;
    if (c.type === 'Metaspace') return { ...c, prepend_scheme: 'never', add_prefix_space: false };
    if (c.type === 'ByteLevel') return { ...c, add_prefix_space: false };
    const out: Json = { ...c };
    for (const k of ['normalizers', 'pretokenizers']) {
      if (Array.isArray(c[k])) out[k] = (c[k] as unknown[]).map(strip).filter((x) => x !== null);
    }
    return out;
  };
  return { ...json, normalizer: strip(json.normalizer) ?? null, pre_tokenizer: strip(json.pre_tokenizer) ?? null };
}

function bosFromPostProcessor(post: unknown): string | undefined {
  if (!isObject(post)) return undefined;
  if (post.type === 'TemplateProcessing' && Array.isArray(post.single)) {
    const first = post.single[0] as Json | undefined;
    const special = first && isObject(first.SpecialToken) ? first.SpecialToken : undefined;
    return special ? String(special.id) : undefined;
  }
  if (Array.isArray(post.processors)) for (const p of post.processors) { const b = bosFromPostProcessor(p); if (b) return b; }
  return undefined;
}

function tokenName(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isObject(v) && typeof v.content === 'string') return v.content;
  return undefined;
}

/**
 * A tokenizer from a parsed Hugging Face `tokenizer.json` (BPE or Unigram with SentencePiece-style
 * metaspace, or ByteLevel BPE). The file is passed as an object so this stays browser-safe; read it
 * with `loadTokenizerJson` from `@vlm/core/node`, `fetch`, or `JSON.parse` yourself.
 */
export function createHfTokenizer(json: TokenizerJson, options: HfTokenizerOptions = {}): Tokenizer {
  if (!isObject(json) || !isObject(json.model) || json.model.vocab === undefined) {
    throw new VlmError('tokenizer_json_invalid', 'This is not a Hugging Face tokenizer.json (no model.vocab).', {
      hint: 'Pass the parsed content of tokenizer.json, not tokenizer_config.json.',
    });
  }
  const byteLevel = [...componentTypes(json.decoder), ...componentTypes(json.pre_tokenizer)].includes('ByteLevel');
  const idToToken: string[] = [];
  if (Array.isArray(json.model.vocab)) json.model.vocab.forEach(([piece], id) => (idToToken[id] = piece));
  else for (const [piece, id] of Object.entries(json.model.vocab)) idToToken[id] = piece;
  const added = json.added_tokens ?? [];
  for (const t of added) idToToken[t.id] = t.content;
  const tokenToId = new Map<string, number>();
  idToToken.forEach((piece, id) => piece !== undefined && tokenToId.set(piece, id));
  const specials = new Map(added.map((t) => [t.content, t.id]));

  // The library must never match special strings inside text: we insert those ids ourselves.
  const plain = { normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, ...json, added_tokens: [] };
  const hf = new HfTokenizer(plain, {});
  let hfNoPrefix: HfTokenizer | undefined;
  const prefixSpace = hasPrefixSpace(json);
  const byteTable = byteLevel ? byteLevelDecoder() : undefined;
  const utf8 = new TextEncoder();

  const engine: TokenizerEngine = {
    name: options.name ?? `hf:${json.model.type ?? 'tokenizer'}`,
    vocabSize: idToToken.length,
    prefixSpace,
    encodeText(text, prefix) {
      if (prefix || !prefixSpace) return hf.encode(text, { add_special_tokens: false }).ids;
      hfNoPrefix ??= new HfTokenizer(withoutPrefix(plain), {});
      return hfNoPrefix.encode(text, { add_special_tokens: false }).ids;
    },
    idToToken: (id) => idToToken[id],
    tokenToId: (token) => tokenToId.get(token),
    tokenBytes(id) {
      const piece = idToToken[id];
      if (piece === undefined) return undefined;
      if (byteTable) {
        const out = new Uint8Array(piece.length);
        let n = 0;
        for (const ch of piece) {
          const b = byteTable.get(ch);
          if (b === undefined) return utf8.encode(piece);
          out[n++] = b;
        }
        return out.subarray(0, n);
      }
      const hex = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
      if (hex) return Uint8Array.of(parseInt(hex[1]!, 16));
      return utf8.encode(piece.replaceAll('\u2581', ' '));
    },
  };
  const config = options.config ?? {};
  const bosToken = options.bosToken ?? tokenName(config.bos_token) ?? bosFromPostProcessor(json.post_processor);
  const eosToken =
    options.eosToken ?? tokenName(config.eos_token) ?? ['</s>', '<|endoftext|>', '<|im_end|>', '<|eot_id|>'].find((t) => specials.has(t));
  return createSegmentTokenizer(engine, {
    specials,
    bosToken,
    eosToken,
    padToken: options.padToken ?? tokenName(config.pad_token),
    addBos: options.addBos ?? config.add_bos_token ?? bosFromPostProcessor(json.post_processor) !== undefined,
  });
}
