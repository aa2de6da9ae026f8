// Cases for the golden-output test: records, format options and tokenize options that exercise every
// branch of formatting and masking (empty turns, images in front / at the end / several / alone,
// `<im_start>` wrapping, generation, system turns, special strings inside messages, non-ASCII, byte
// fallback, long words, custom templates whose answer boundary falls inside a token). The digests in
// `golden-outputs.json` were computed from these cases by the code before the issue-20 speed work; the
// test recomputes them, so any change in any output (ids, labels, offsets, masks, spans, text, errors)
// shows up. The functions are passed in, so the same code computes the digests of any implementation.
import type { FormatOptions, FormattedConversation, ConversationRecord } from '../../format/format-conversation';
import type { TokenizeOptions, TokenizedConversation } from '../tokenize-conversation';
import type { Tokenizer } from '../../tokenizers/tokenizer';
import type { TemplateSpecInput } from '../../templates/template-spec';
import { createRng } from '../../random/rng';

type Turn = ConversationRecord['conversations'][number];
const h = (value: string): Turn => ({ from: 'human', value });
const g = (value: string): Turn => ({ from: 'gpt', value });
const sys = (value: string): Turn => ({ from: 'system', value });

export const EDGE_RECORDS: ConversationRecord[] = [
  { id: 'empty-turns', conversations: [h(''), g('')] },
  { id: 'image-only', image: 'a.png', conversations: [h('<image>'), g('x')] },
  { id: 'three-images', image: ['a.png', 'b.png', 'c.png'], conversations: [h('Compare <image> and <image>\nand <image> now'), g('Same.'), h('Sure?'), g('  Yes  ')] },
  { id: 'image-last', image: 'a.png', conversations: [h('What is this?\n<image>'), g('Café résumé naïve 细胞 🧫 cells,\n\nthen </s> and " ASSISTANT: " <|im_end|> [/INST] ### text.')] },
  { id: 'system-turn', conversations: [sys('Custom system </s> <s> message.'), h('\tTabs\tand  double  spaces '), g('\u{1F52C}\u{1F52C} x'), h(' leading'), g('trailing ')] },
  { id: 'padded-image', image: 'a.png', conversations: [h('  <image>  '), g('ok'), h('more')] },
  { id: 'gpt-first', conversations: [g('starts with gpt')] },
  { id: 'image-in-answer', image: 'a.png', conversations: [h('q'), g('a <image> in answer')] },
  { id: 'missing-placeholder', image: ['a.png'], conversations: [h('no placeholder'), g('a')] },
  { id: 10, image: 'a.png', conversations: [h('<image><image>'), g('two placeholders, one image')] },
  { id: 'long', conversations: [h(`${'x'.repeat(400)} ${'word '.repeat(80)}`), g('y '.repeat(90))] },
  { id: 'empty-system', image: 'a.png', conversations: [sys(''), h('<image>\n   '), g('\n')] },
  { id: 'late-system', conversations: [h('a'), sys('late')] },
  { id: 'two-images', image: ['a.png', 'b.png'], conversations: [h('<image>\n<image>\nBoth?'), g('e\u0301 combining, \u{10348} gothic, \ud800 lone surrogate')] },
  { id: 'tight-1', conversations: [h('Ask'), g('swer')] },
  { id: 'tight-2', conversations: [h('Ask'), g('nswer'), h('Ask'), g('x')] },
];

const WORDS = 'the a of in with and is image shows tissue stained nuclei cells gland stroma tumor mitotic left right large red blue which what where why how many visible appears consistent carcinoma infiltrating pleomorphic eosinophilic cytoplasm architecture hematoxylin-eosin micrometres'.split(' ');

/** LLaVA-Instruct-like records (1-3 rounds, image in front or after the question, some without one). */
export function generatedRecords(count: number, seed: number): ConversationRecord[] {
  const rng = createRng(seed);
  const sentence = (n: number) => Array.from({ length: n }, () => WORDS[rng.int(WORDS.length)]).join(' ');
  return Array.from({ length: count }, (_, i) => {
    const withImage = rng.bool(0.8);
    const conversations: Turn[] = [];
    const rounds = 1 + rng.int(3);
    for (let r = 0; r < rounds; r++) {
      const q = `${sentence(4 + rng.int(12))}?`;
      conversations.push(h(r === 0 && withImage ? (rng.bool() ? `<image>\n${q}` : `${q}\n<image>`) : q));
      conversations.push(g(`${sentence(10 + rng.int(60))}.`));
    }
    return withImage ? { id: `gen-${i}`, image: `${i}.jpg`, conversations } : { id: `gen-${i}`, conversations };
  });
}

/** Custom templates whose answer boundaries fall inside words, so that tokens can cross them. */
export const CUSTOM_TEMPLATES: TemplateSpecInput[] = [
  { name: 'tight', style: 'mpt', system: 'S', roles: { user: 'U', assistant: 'An' }, sep: '.' },
  { name: 'tight2', style: 'two', system: 'Sys', systemFormat: '[{system}]', roles: { user: 'Q', assistant: 'A' }, sep: '', sep2: 'xyz' },
  // the stop string `ab` runs into the next role tag: `...ab` + `out: ` spells `about`
  { name: 'tight3', style: 'two', system: 'S', roles: { user: 'out', assistant: 'A' }, sep: ' ', sep2: 'ab' },
];

export const FORMAT_OPTIONS: [string, FormatOptions][] = [
  ['default', {}],
  ['keep', { imagePlacement: 'keep' }],
  ['random', { imagePlacement: 'random', seed: 5 }],
  ['im-start-end', { mmUseImStartEnd: true }],
  ['generation', { generation: true }],
];

export const TOKENIZE_OPTIONS: [string, TokenizeOptions][] = [
  ['default', {}],
  ['image-width', { imageTokens: 4, imageTokenId: 7 }],
  ['continuation', { chunkwise: false, addBos: false }],
  ['last-turn', { lastTurnOnly: true }],
  ['truncate', { maxLength: 40 }],
  ['truncate-turns', { maxLength: 60, truncation: 'turns' }],
];

/** A streaming 53-bit hash (cyrb53 mixing) of strings and integer arrays: tells outputs apart, not cryptographic. */
class Digest {
  private h1 = 0xdeadbeef;
  private h2 = 0x41c6ce57;

  private mix(c: number): void {
    this.h1 = Math.imul(this.h1 ^ c, 2654435761);
    this.h2 = Math.imul(this.h2 ^ c, 1597334677);
  }

  text(value: string): this {
    this.mix(value.length);
    for (let i = 0; i < value.length; i++) this.mix(value.charCodeAt(i));
    return this;
  }

  ints(values: ArrayLike<number>): this {
    this.mix(values.length);
    for (let i = 0; i < values.length; i++) this.mix(values[i]!);
    return this;
  }

  json(value: unknown): this {
    return this.text(JSON.stringify(value) ?? 'undefined');
  }

  hex(): string {
    let h1 = Math.imul(this.h1 ^ (this.h1 >>> 16), 2246822507) ^ Math.imul(this.h2 ^ (this.h2 >>> 13), 3266489909);
    const h2 = Math.imul(this.h2 ^ (this.h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    h1 = h1 >>> 0;
    return (4294967296 * (2097151 & h2) + h1).toString(16).padStart(14, '0');
  }
}

const errorOf = (e: unknown) => {
  const x = e as { code?: string; message?: string; location?: unknown; hint?: string };
  return { error: x.code ?? String(e), message: x.message, location: x.location, hint: x.hint };
};

export interface GoldenImplementation {
  formatConversation(record: ConversationRecord, options?: FormatOptions): FormattedConversation;
  tokenizeConversation(formatted: FormattedConversation, tokenizer: Tokenizer, options?: TokenizeOptions): TokenizedConversation;
}

/**
 * Digest per template x format option (the formatted text and spans of every record, or its error) and
 * per template x format option x tokenizer (ids, labels, attention mask, offsets, image positions,
 * images, trained-token count, truncation report and text under every tokenize option, or the error).
 */
export function goldenDigests(impl: GoldenImplementation, templates: (string | TemplateSpecInput)[], records: ConversationRecord[], tokenizers: [string, Tokenizer][]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const template of templates) {
    const name = typeof template === 'string' ? template : template.name;
    for (const [fo, formatOptions] of FORMAT_OPTIONS) {
      const formatted: (FormattedConversation | undefined)[] = [];
      const formatDigest = new Digest();
      records.forEach((record, row) => {
        try {
          const f = impl.formatConversation(record, { ...formatOptions, template, row });
          formatted.push(f);
          formatDigest.text(f.text).json([f.spans, f.stopString, f.recordId, f.row, f.images, f.generation, f.template.name]);
        } catch (e) {
          formatted.push(undefined);
          formatDigest.json(errorOf(e));
        }
      });
      out[`${name} ${fo} format`] = formatDigest.hex();
      for (const [tn, tokenizer] of tokenizers) {
        const digest = new Digest();
        for (const f of formatted) {
          if (!f) continue;
          for (const [, tokenizeOptions] of TOKENIZE_OPTIONS) {
            try {
              const t = impl.tokenizeConversation(f, tokenizer, tokenizeOptions);
              digest.ints(t.inputIds).ints(t.labels).ints(t.attentionMask).ints(t.offsets).ints(t.imagePositions).text(t.text);
              digest.json([t.images, t.trainedTokens, t.truncation ?? null, t.recordId, t.row, Object.keys(t)]);
            } catch (e) {
              digest.json(errorOf(e));
            }
          }
        }
        out[`${name} ${fo} ${tn}`] = digest.hex();
      }
    }
  }
  return out;
}
