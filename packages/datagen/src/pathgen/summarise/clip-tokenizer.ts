import { readFile } from 'node:fs/promises';

import { byteLevelEncoder, VlmError } from '@vlm/core';

/** A CLIP text tokenizer: byte-level BPE with `</w>` word ends, as in openai/CLIP's simple_tokenizer. */
export interface ClipTokenizer {
  /** Token ids of the text, without start and end tokens. */
  encode(text: string): number[];
  /** Token strings of the text (for inspection), without start and end tokens. */
  tokenize(text: string): string[];
  /** Tokens the text takes in CLIP's context, start and end tokens included. */
  count(text: string): number;
  readonly startId: number;
  readonly endId: number;
  readonly vocabSize: number;
}

// GPT-2's reversible map from bytes to printable unicode characters, which CLIP reuses.
const BYTE_ENCODER = byteLevelEncoder();
// openai/CLIP's pre-tokenisation pattern (it lower-cases first, so IGNORECASE changes nothing).
const PATTERN = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+/gu;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

/** CLIP's text cleaning: HTML unescape (twice, as upstream), whitespace collapse, lower case. ftfy is not reproduced; NFC stands in. */
export function cleanClipText(text: string): string {
  let out = text.normalize('NFC');
  for (let i = 0; i < 2; i++) {
    out = out.replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (whole, name: string) => {
      const lower = name.toLowerCase();
      if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16));
      if (lower.startsWith('#')) return String.fromCodePoint(Number(lower.slice(1)));
      return ENTITIES[lower] ?? whole;
    });
  }
  return out.replace(/\s+/g, ' ').trim().toLowerCase();
}

/** Builds a CLIP tokenizer from a vocabulary, ordered merges and the start/end ids. */
export function createClipTokenizer(vocab: Record<string, number>, merges: readonly [string, string][], special: { startId: number; endId: number; unkId?: number }): ClipTokenizer {
  const ranks = new Map<string, number>();
  merges.forEach(([a, b], i) => ranks.set(`${a} ${b}`, i));
  const cache = new Map<string, string[]>();

  const bpe = (token: string): string[] => {
    const cached = cache.get(token);
    if (cached) return cached;
    const chars = Array.from(token);
    let word = [...chars.slice(0, -1), `${chars[chars.length - 1]}</w>`];
    while (word.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < word.length - 1; i++) {
        const rank = ranks.get(`${word[i]} ${word[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      const first = word[best]!;
      const second = word[best + 1]!;
      // Merge every occurrence of the best pair, left to right, as the reference implementation does.
      const merged: string[] = [];
      for (let i = 0; i < word.length; ) {
        if (i < word.length - 1 && word[i] === first && word[i + 1] === second) {
          merged.push(first + second);
          i += 2;
        } else {
          merged.push(word[i]!);
          i++;
        }
      }
      word = merged;
    }
    if (cache.size < 50_000) cache.set(token, word);
    return word;
  };

  const tokenize = (text: string): string[] => {
    const out: string[] = [];
    for (const match of cleanClipText(text).matchAll(PATTERN)) {
      const piece = match[0];
      if (piece === '<|startoftext|>' || piece === '<|endoftext|>') {
        out.push(piece);
        continue;
      }
      const encoded = Array.from(new TextEncoder().encode(piece), (b) => BYTE_ENCODER[b]!).join('');
      out.push(...bpe(encoded));
    }
    return out;
  };

  const encode = (text: string): number[] =>
    tokenize(text).map((token) => {
      const id = vocab[token];
      if (id !== undefined) return id;
      if (special.unkId !== undefined) return special.unkId;
      throw new VlmError('clip_token_unknown', `token "${token}" is not in the CLIP vocabulary`, { hint: 'the tokenizer.json is incomplete; use the full CLIP vocabulary' });
    });

  return {
    encode,
    tokenize,
    count: (text) => encode(text).length + 2,
    startId: special.startId,
    endId: special.endId,
    vocabSize: Object.keys(vocab).length,
  };
}

/** Parses a Hugging Face `tokenizer.json` of a CLIP model (BPE with `</w>` and the start/end added tokens). */
export function parseClipTokenizerJson(json: unknown, file?: string): ClipTokenizer {
  const fail = (message: string, field?: string): never => {
    throw new VlmError('clip_tokenizer_invalid', message, {
      location: { file, field },
      hint: 'use the tokenizer.json of a CLIP model, e.g. openai/clip-vit-large-patch14-336 on the Hugging Face Hub',
    });
  };
  const root = json as { model?: { type?: string; vocab?: Record<string, number>; merges?: (string | [string, string])[]; end_of_word_suffix?: string; unk_token?: string }; added_tokens?: { id: number; content: string }[] };
  const model = root?.model;
  if (!model || model.type !== 'BPE') return fail('not a BPE tokenizer.json', 'model.type');
  if (!model.vocab || typeof model.vocab !== 'object') return fail('missing vocabulary', 'model.vocab');
  if (!Array.isArray(model.merges)) return fail('missing merges', 'model.merges');
  if (model.end_of_word_suffix !== undefined && model.end_of_word_suffix !== '</w>') return fail(`end_of_word_suffix is "${model.end_of_word_suffix}", CLIP uses "</w>"`, 'model.end_of_word_suffix');
  const merges = model.merges.map((m, i): [string, string] => {
    const pair = typeof m === 'string' ? (m.split(' ') as string[]) : m;
    if (pair.length !== 2) return fail(`merge ${i} is not a pair`, `model.merges[${i}]`);
    return [pair[0]!, pair[1]!];
  });
  const idOf = (content: string) => root.added_tokens?.find((t) => t.content === content)?.id ?? model.vocab![content];
  const startId = idOf('<|startoftext|>');
  const endId = idOf('<|endoftext|>');
  if (startId === undefined || endId === undefined) return fail('no <|startoftext|> / <|endoftext|> token', 'added_tokens');
  const unkId = model.unk_token ? idOf(model.unk_token) : undefined;
  return createClipTokenizer(model.vocab, merges, { startId, endId, unkId });
}

/** Loads a CLIP tokenizer from a `tokenizer.json` file. */
export async function loadClipTokenizer(path: string): Promise<ClipTokenizer> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new VlmError('clip_tokenizer_unreadable', `cannot read tokenizer: ${(error as Error).message}`, { location: { file: path }, cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new VlmError('clip_tokenizer_invalid', `tokenizer.json is not JSON: ${(error as Error).message}`, { location: { file: path }, cause: error });
  }
  return parseClipTokenizerJson(json, path);
}
