import { beforeAll, describe, expect, it } from 'vitest';
import { IGNORE_INDEX, IMAGE_TOKEN_INDEX } from '../constants';
import { formatConversation } from '../format/format-conversation';
import { createByteTokenizer } from '../tokenizers/byte-tokenizer';
import { createHfTokenizer } from '../tokenizers/hf-tokenizer';
import { llama2TokenizerJson, loadLlama2Tokenizer } from '../tokenizers/llama2-tokenizer';
import type { Tokenizer } from '../tokenizers/tokenizer';
import { tokenizeConversation, type TokenizedConversation } from './tokenize-conversation';

// The reference example: human `<image>\nWhat is this?` / gpt `A cat.` / human `What color?` / gpt `Orange.`
const cat = {
  id: 'cat',
  image: 'cat.jpg',
  conversations: [
    { from: 'human' as const, value: '<image>\nWhat is this?' },
    { from: 'gpt' as const, value: 'A cat.' },
    { from: 'human' as const, value: 'What color?' },
    { from: 'gpt' as const, value: 'Orange.' },
  ],
};

/** Runs of trained positions: [first position, ids]. */
function trainedRuns(t: TokenizedConversation): [number, number[]][] {
  const runs: [number, number[]][] = [];
  for (let i = 0; i < t.labels.length; i++) {
    if (t.labels[i] === IGNORE_INDEX) continue;
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1].length === i) last[1].push(t.labels[i]!);
    else runs.push([i, [t.labels[i]!]]);
  }
  return runs;
}

let llama: Tokenizer;
beforeAll(async () => {
  llama = (await loadLlama2Tokenizer()).withSpecialTokens(['<|im_start|>', '<|im_end|>']);
});

describe('golden trained token spans with the LLaMA-2 tokenizer', () => {
  // Ids: ▁A 319, ▁cat 6635, . 29889, </s> 2, ▁Orange 26048, ## 2277, # 29937, \n 13, ▁ 29871, <|im_end|> 32001.
  const GOLDEN: Record<string, { length: number; image: number; runs: [number, number[]][] }> = {
    vicuna_v1: { length: 65, image: 35, runs: [[47, [319, 6635, 29889, 2]], [62, [26048, 29889, 2]]] },
    llava_v0: { length: 69, image: 37, runs: [[49, [319, 6635, 29889, 2277, 29937]], [65, [26048, 29889, 2277, 29937]]] },
    plain: { length: 10, image: 1, runs: [[2, [319, 6635, 29889, 13, 29949, 3881, 29889, 13]]] },
    llava_llama_2: { length: 83, image: 52, runs: [[63, [319, 6635, 29889, 29871, 2]], [79, [26048, 29889, 29871, 2]]] },
    mpt: { length: 60, image: 31, runs: [[42, [29909, 6635, 29889, 32001]], [56, [29949, 3881, 29889, 32001]]] },
  };
  for (const [template, g] of Object.entries(GOLDEN)) {
    it(template, () => {
      const t = tokenizeConversation(formatConversation(cat, { template }), llama);
      expect(t.inputIds.length).toBe(g.length);
      expect(t.inputIds[0]).toBe(1);
      expect(t.labels[0]).toBe(IGNORE_INDEX);
      expect(t.imagePositions).toEqual([g.image]);
      expect(t.inputIds[g.image]).toBe(IMAGE_TOKEN_INDEX);
      expect(t.labels[g.image]).toBe(IGNORE_INDEX);
      expect(trainedRuns(t)).toEqual(g.runs);
      expect(t.trainedTokens).toBe(g.runs.reduce((n, r) => n + r[1].length, 0));
      expect(Array.from(t.attentionMask).every((m) => m === 1)).toBe(true);
    });
  }

  it('vicuna_v1 reproduces upstream ids around the image (`USER: <image>\\n` -> 29871, -200, 29871, 13)', () => {
    const t = tokenizeConversation(formatConversation(cat, { template: 'vicuna_v1' }), llama);
    expect(Array.from(t.inputIds.slice(31, 40))).toEqual([3148, 1001, 29901, 29871, IMAGE_TOKEN_INDEX, 29871, 13, 5618, 338]);
    const tail = tokenizeConversation(formatConversation(cat, { template: 'vicuna_v1' }), llama, { chunkwise: false });
    expect(Array.from(tail.inputIds.slice(34, 38))).toEqual([29871, IMAGE_TOKEN_INDEX, 13, 5618]);
  });

  it('gives the same ids and labels through the tokenizer.json engine', async () => {
    const viaJson = createHfTokenizer(await llama2TokenizerJson()).withSpecialTokens(['<|im_start|>', '<|im_end|>']);
    for (const template of ['vicuna_v1', 'llava_v0', 'plain', 'llava_llama_2', 'mpt']) {
      const a = tokenizeConversation(formatConversation(cat, { template }), llama);
      const b = tokenizeConversation(formatConversation(cat, { template }), viaJson);
      expect(Array.from(b.inputIds)).toEqual(Array.from(a.inputIds));
      expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
      // word-cached offsets (LLaMA engine) equal offsets aligned token by token (tokenizer.json engine)
      expect(Array.from(b.offsets)).toEqual(Array.from(a.offsets));
    }
  });
});

describe('tokenizeConversation', () => {
  it('expands each image into N positions, never trained', () => {
    const t = tokenizeConversation(formatConversation(cat), llama, { imageTokens: 576 });
    expect(t.inputIds.length).toBe(65 + 575);
    expect(t.inputIds.slice(35, 35 + 576).every((x) => x === IMAGE_TOKEN_INDEX)).toBe(true);
    expect(t.labels.slice(35, 35 + 576).every((x) => x === IGNORE_INDEX)).toBe(true);
    const withId = tokenizeConversation(formatConversation(cat), llama.withSpecialTokens(['<image>']), { imageTokens: 4, imageTokenId: 32002 });
    expect(Array.from(withId.inputIds.slice(35, 39))).toEqual([32002, 32002, 32002, 32002]);
  });

  it('turns <im_start>/<im_end> into special ids around the image', () => {
    const tok = llama.withSpecialTokens(['<im_start>', '<im_end>']);
    const t = tokenizeConversation(formatConversation(cat, { mmUseImStartEnd: true }), tok);
    const p = t.imagePositions[0]!;
    expect([t.inputIds[p - 1], t.inputIds[p], t.inputIds[p + 1]]).toEqual([tok.tokenToId('<im_start>'), IMAGE_TOKEN_INDEX, tok.tokenToId('<im_end>')]);
    expect(() => tokenizeConversation(formatConversation(cat, { mmUseImStartEnd: true }), llama)).not.toThrow();
  });

  it('keeps separators and special strings inside answers as trained text', () => {
    const tricky = {
      id: 'tricky',
      conversations: [
        { from: 'human' as const, value: 'Say "ASSISTANT: " and ###' },
        { from: 'gpt' as const, value: 'Here: ASSISTANT: ### </s> USER: done.' },
        { from: 'human' as const, value: 'Again?' },
        { from: 'gpt' as const, value: 'Yes.' },
      ],
    };
    for (const template of ['vicuna_v1', 'llava_v0']) {
      const f = formatConversation(tricky, { template });
      const t = tokenizeConversation(f, llama);
      const trained = trainedRuns(t).map(([, ids]) => llama.decode(ids, { stripLeadingSpace: false }));
      const stop = template === 'vicuna_v1' ? '</s>' : '###';
      expect(trained).toEqual([` Here: ASSISTANT: ### </s> USER: done.${stop}`, ` Yes.${stop}`]);
      // the </s> inside the answer is text, not EOS: exactly one EOS per answer in vicuna
      if (template === 'vicuna_v1') expect(Array.from(t.inputIds).filter((x) => x === 2)).toHaveLength(2);
    }
  });

  it('keeps special strings in the system message as text, as in questions and answers', () => {
    const system = 'Never write </s> or <|im_end|> or <|im_start|>user yourself.';
    const record = { id: 'sys', conversations: [{ from: 'system' as const, value: system }, { from: 'human' as const, value: 'Hi' }, { from: 'gpt' as const, value: 'Hello.' }] };
    const im = [llama.tokenToId('<|im_start|>'), llama.tokenToId('<|im_end|>')];
    for (const template of ['vicuna_v1', 'llava_llama_2', 'mpt']) {
      const t = tokenizeConversation(formatConversation(record, { template }), llama);
      const ids = Array.from(t.inputIds);
      // EOS only where the template ends an answer; no chat-tag ids made from the system text
      expect(ids.filter((x) => x === 2), template).toHaveLength(template === 'mpt' ? 0 : 1);
      const tagIds = ids.filter((x) => im.includes(x));
      if (template === 'mpt') {
        // mpt frames: <|im_start|>system ... <|im_end|>, user, assistant: 3 starts + 3 ends, none from the text
        expect(tagIds).toEqual([im[0], im[1], im[0], im[1], im[0], im[1]]);
        // the system block closes after the whole system text, not at the <|im_end|> inside it
        const firstEnd = ids.indexOf(im[1]!);
        expect(llama.decode(ids.slice(0, firstEnd), { stripLeadingSpace: false })).toContain(system);
      } else expect(tagIds, template).toEqual([]);
      expect(llama.decode(ids.filter((x) => x !== 2), { stripLeadingSpace: false })).toContain(system);
    }
  });

  it('trains only the last answer with lastTurnOnly', () => {
    const t = tokenizeConversation(formatConversation(cat), llama, { lastTurnOnly: true });
    expect(trainedRuns(t)).toEqual([[62, [26048, 29889, 2]]]);
  });

  it('truncates on the right without cutting an image and reports what it dropped', () => {
    const f = formatConversation(cat);
    const t = tokenizeConversation(f, llama, { maxLength: 50 });
    expect(t.inputIds.length).toBe(50);
    expect(t.truncation).toEqual({ originalLength: 65, droppedTokens: 15, droppedTrainedTokens: 4, droppedImages: [] });
    const inside = tokenizeConversation(f, llama, { maxLength: 100, imageTokens: 64 });
    expect(inside.inputIds.length).toBe(100);
    const cut = tokenizeConversation(f, llama, { maxLength: 60, imageTokens: 64 });
    expect(cut.inputIds.length).toBe(35);
    expect(cut.imagePositions).toEqual([]);
    expect(cut.truncation?.droppedImages).toEqual(['cat.jpg']);
  });

  it('truncates whole rounds with "turns" and refuses with "error"', () => {
    const f = formatConversation(cat);
    const t = tokenizeConversation(f, llama, { maxLength: 60, truncation: 'turns' });
    expect(t.inputIds.length).toBe(51);
    expect(llama.decode(t.inputIds.slice(47, 51), { stripLeadingSpace: false })).toBe(' A cat.</s>');
    expect(() => tokenizeConversation(f, llama, { maxLength: 10, truncation: 'error' })).toThrow(expect.objectContaining({ code: 'sequence_too_long', location: expect.objectContaining({ id: 'cat' }) }));
  });

  it('never derives labels from the pad id (pad == eos keeps the stop token trained)', () => {
    const tok = createByteTokenizer();
    const eosAsPad = { ...tok, padId: tok.eosId! };
    const t = tokenizeConversation(formatConversation({ id: 'p', conversations: [{ from: 'human', value: 'Q' }, { from: 'gpt', value: 'A' }] }), eosAsPad);
    expect(Array.from(t.labels).slice(-1)).toEqual([tok.eosId]);
  });

  it('needs the template special tokens in the tokenizer', async () => {
    const base = await loadLlama2Tokenizer();
    expect(() => tokenizeConversation(formatConversation(cat, { template: 'mpt' }), base)).toThrow(
      expect.objectContaining({ code: 'special_token_missing', location: expect.objectContaining({ id: 'cat' }) }),
    );
  });

  it('fails loudly, naming the record, when tokens do not spell the text', () => {
    const lowercasing = createHfTokenizer({
      model: { type: 'BPE', vocab: { '<unk>': 0, a: 1, b: 2, ' ': 3 }, merges: [], unk_token: '<unk>' },
      normalizer: { type: 'Lowercase' },
      added_tokens: [{ id: 0, content: '<unk>', special: true }],
    });
    const f = formatConversation({ id: 'upper', conversations: [{ from: 'human', value: 'a' }, { from: 'gpt', value: 'AB' }] }, { template: 'plain', row: 7 });
    expect(() => tokenizeConversation(f, lowercasing)).toThrow(expect.objectContaining({ code: 'token_span_mismatch', location: { row: 7, id: 'upper' } }));
  });

  it('errors when a token straddles a trained and an untrained range', () => {
    const merging = createHfTokenizer({
      model: { type: 'BPE', vocab: { q: 0, ':': 1, x: 2, '\u2581': 3, ':\u2581': 4, ':\u2581x': 5 }, merges: [': \u2581', ':\u2581 x'] },
      normalizer: { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' },
      added_tokens: [],
    });
    const f = formatConversation({ id: 'm', conversations: [{ from: 'human', value: 'q' }, { from: 'gpt', value: 'x' }] }, { template: { name: 'colon', style: 'single', system: '', roles: { user: 'q', assistant: 'q' }, sep: '' } });
    expect(() => tokenizeConversation(f, merging)).toThrow(expect.objectContaining({ code: 'token_span_mismatch', location: expect.objectContaining({ id: 'm' }) }));
  });
});
