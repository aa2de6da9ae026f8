import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { cleanClipText, loadClipTokenizer, parseClipTokenizerJson } from './clip-tokenizer';
import { truncateToBudget } from './fit-token-budget';

// A tiny CLIP-style tokenizer.json: the 256 byte symbols (alone and with </w>), four merge chains
// and the two special tokens at CLIP's ids.
function tinyClipJson() {
  const symbols: string[] = [];
  for (let b = 33; b <= 126; b++) symbols.push(String.fromCharCode(b));
  const vocab: Record<string, number> = {};
  let id = 0;
  for (const s of symbols) vocab[s] = id++;
  for (const s of symbols) vocab[`${s}</w>`] = id++;
  const merges = ['t u', 'tu m', 'o r</w>', 'tum or</w>', 'c e', 'ce l', 'l s</w>', 'cel ls</w>', 'a r', 'ar e</w>'];
  for (const m of merges) vocab[m.replace(' ', '')] = id++;
  vocab['<|startoftext|>'] = 49406;
  vocab['<|endoftext|>'] = 49407;
  return {
    version: '1.0',
    added_tokens: [
      { id: 49406, content: '<|startoftext|>', special: true },
      { id: 49407, content: '<|endoftext|>', special: true },
    ],
    model: { type: 'BPE', vocab, merges, end_of_word_suffix: '</w>', continuing_subword_prefix: '', unk_token: '<|endoftext|>' },
  };
}

describe('CLIP byte-level BPE', () => {
  const tokenizer = parseClipTokenizerJson(tinyClipJson());

  it('applies merges by rank and marks word ends', () => {
    // tumor: t u m o r</w> -> tu m o r</w> -> tum o r</w> -> tum or</w> -> tumor</w>
    expect(tokenizer.tokenize('Tumor cells')).toEqual(['tumor</w>', 'cells</w>']);
    // "are" merges fully; "rat" has no merge so stays as bytes, the last with </w>.
    expect(tokenizer.tokenize('rat, are!')).toEqual(['r', 'a', 't</w>', ',</w>', 'are</w>', '!</w>']);
    // Digits are split one by one; contractions are their own pieces.
    expect(tokenizer.tokenize("it's 42")).toEqual(['i', 't</w>', "'", 's</w>', '4</w>', '2</w>']);
  });

  it('counts start and end tokens and maps ids', () => {
    expect(tokenizer.encode('tumor')).toEqual([tinyClipJson().model.vocab['tumor</w>']]);
    expect(tokenizer.count('tumor cells are')).toBe(5);
    expect([tokenizer.startId, tokenizer.endId]).toEqual([49406, 49407]);
  });

  it('maps unknown symbols to the unk token and cleans text like CLIP', () => {
    expect(tokenizer.encode('é')).toEqual([49407, 49407]); // two UTF-8 bytes, neither in this tiny vocab
    expect(cleanClipText('  A&amp;amp;B \n C ')).toBe('a&b c');
  });

  it('truncates at a word boundary to fit a budget', () => {
    const text = 'tumor cells are tumor cells are';
    // 6 words = 6 tokens + 2 = 8; budget 6 keeps 4 words.
    expect(truncateToBudget(text, tokenizer, 6)).toBe('tumor cells are tumor');
    expect(truncateToBudget('tumor', tokenizer, 77)).toBe('tumor');
  });

  it('loads from a file and rejects tokenizers that are not CLIP BPE', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clip-tok-'));
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tinyClipJson()));
    expect((await loadClipTokenizer(join(dir, 'tokenizer.json'))).count('cells')).toBe(3);
    expect(() => parseClipTokenizerJson({ model: { type: 'WordPiece' } }, 'x.json')).toThrow(/BPE/);
    const noSpecial = tinyClipJson();
    delete (noSpecial.model.vocab as Record<string, number>)['<|startoftext|>'];
    noSpecial.added_tokens = [];
    expect(() => parseClipTokenizerJson(noSpecial)).toThrow(/startoftext/);
  });
});
