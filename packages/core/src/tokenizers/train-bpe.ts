import { VlmError } from '../errors/vlm-error';
import type { TokenizerJson } from './hf-tokenizer';

/** Options of {@link trainBpeTokenizer}. */
export interface TrainBpeOptions {
  /** Largest vocabulary, special and byte-fallback ids included (default 1024). */
  vocabSize?: number;
  /** A pair must occur at least this often to be merged (default 2). */
  minFrequency?: number;
  /** Special strings, given the first ids (default `<unk>`, `<s>`, `</s>`, as LLaMA). */
  specialTokens?: readonly string[];
  /** The special string put before every sequence by the post-processor (default `<s>`; `null` for none). */
  bosToken?: string | null;
}

const SPACE = '\u2581';

/** SentencePiece-style pre-tokenization (Metaspace, prepend `first`, split): `▁word` pieces. */
function metaspacePieces(text: string): string[] {
  let s = text.replaceAll(' ', SPACE);
  if (!s.startsWith(SPACE)) s = SPACE + s;
  return s.split(new RegExp(`(?=${SPACE})`, 'u')).filter((p) => p.length > 0);
}

const hexByte = (b: number) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;

/**
 * Trains a LLaMA-style BPE tokenizer on a corpus: SentencePiece `▁` word pieces, merges learned by
 * pair frequency (ties broken by the pair's text, so the result depends only on the corpus), all 256
 * `<0xNN>` byte-fallback pieces so any text encodes, and a post-processor that adds BOS. Returns a
 * Hugging Face `tokenizer.json` object: save it with `JSON.stringify` and load it with
 * `createHfTokenizer` (or any Hugging Face tokenizers library).
 *
 * Meant for small language models trained from scratch on a domain corpus (the demo's synthetic
 * world), where a byte-level vocabulary makes sequences several times longer than they need to be.
 */
export function trainBpeTokenizer(texts: Iterable<string>, options: TrainBpeOptions = {}): TokenizerJson {
  const specials = [...(options.specialTokens ?? ['<unk>', '<s>', '</s>'])];
  const bos = options.bosToken === undefined ? '<s>' : options.bosToken;
  const minFrequency = options.minFrequency ?? 2;
  const vocabSize = options.vocabSize ?? 1024;
  if (bos !== null && !specials.includes(bos)) {
    throw new VlmError('tokenizer_train_invalid', `The BOS token ${JSON.stringify(bos)} is not one of the special tokens.`, {
      hint: `Add it to specialTokens (${JSON.stringify(specials)}) or pass bosToken: null.`,
    });
  }
  if (vocabSize < specials.length + 256) {
    throw new VlmError('tokenizer_train_invalid', `vocabSize ${vocabSize} leaves no room beyond ${specials.length} special and 256 byte-fallback pieces.`, {
      hint: `Use a vocabSize above ${specials.length + 256}.`,
    });
  }

  // Word (pre-token) frequencies.
  const counts = new Map<string, number>();
  for (const text of texts) for (const piece of metaspacePieces(text)) counts.set(piece, (counts.get(piece) ?? 0) + 1);

  const vocab = new Map<string, number>();
  const add = (piece: string) => {
    if (!vocab.has(piece)) vocab.set(piece, vocab.size);
  };
  specials.forEach(add);
  for (let b = 0; b < 256; b++) add(hexByte(b));
  const alphabet = new Set<string>();
  for (const word of counts.keys()) for (const ch of word) alphabet.add(ch);
  [...alphabet].sort().forEach(add);

  const words = [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([w, n]) => ({ symbols: [...w], n }));
  const merges: string[] = [];
  while (vocab.size < vocabSize) {
    const pairs = new Map<string, number>();
    for (const { symbols, n } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]} ${symbols[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + n);
      }
    }
    let best: string | undefined;
    let bestCount = 0;
    for (const [key, n] of pairs) {
      if (n > bestCount || (n === bestCount && best !== undefined && key < best)) {
        best = key;
        bestCount = n;
      }
    }
    if (best === undefined || bestCount < minFrequency) break;
    const [left, right] = best.split(' ') as [string, string];
    const merged = left + right;
    merges.push(best);
    add(merged);
    for (const w of words) {
      const s = w.symbols;
      for (let i = 0; i + 1 < s.length; i++) {
        if (s[i] === left && s[i + 1] === right) s.splice(i, 2, merged);
      }
    }
  }

  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: SPACE, prepend_scheme: 'first', split: true },
    post_processor:
      bos === null
        ? null
        : {
            type: 'TemplateProcessing',
            single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
            pair: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
            special_tokens: { [bos]: { id: bos, ids: [vocab.get(bos) as number], tokens: [bos] } },
          },
    decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: SPACE }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }] },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: specials[0],
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab: Object.fromEntries(vocab),
      merges,
    },
  };
}
