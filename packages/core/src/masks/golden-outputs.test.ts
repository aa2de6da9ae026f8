import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatConversation } from '../format/format-conversation';
import { BUILT_IN_TEMPLATE_NAMES } from '../templates/registry';
import { createByteTokenizer } from '../tokenizers/byte-tokenizer';
import { loadLlama2Tokenizer } from '../tokenizers/llama2-tokenizer';
import type { Tokenizer } from '../tokenizers/tokenizer';
import { CUSTOM_TEMPLATES, EDGE_RECORDS, generatedRecords, goldenDigests } from './__fixtures__/golden-cases';
import { tokenizeConversation } from './tokenize-conversation';

const golden = JSON.parse(readFileSync(new URL('./__fixtures__/golden-outputs.json', import.meta.url), 'utf8')) as Record<string, string>;
const records = [...EDGE_RECORDS, ...generatedRecords(12, 20)];
const templates = [...BUILT_IN_TEMPLATE_NAMES, ...CUSTOM_TEMPLATES];
let tokenizers: [string, Tokenizer][];

beforeAll(async () => {
  const llama = (await loadLlama2Tokenizer()).withSpecialTokens(['<|im_start|>', '<|im_end|>']);
  tokenizers = [
    // the word-cached fast path
    ['llama-2', llama],
    // a copy without the fast path or word offsets: every token aligned one by one
    ['llama-2 aligned', { ...llama, encodeTextAligned: () => undefined }],
    ['bytes', createByteTokenizer()],
  ];
});

describe('formatting and masks give the outputs recorded before the speed work (issue 20)', () => {
  it('every template, format option, tokenizer and tokenize option: same text, spans, ids, labels, offsets, masks and errors', () => {
    const impl = { formatConversation, tokenizeConversation };
    const cold = goldenDigests(impl, templates, records, tokenizers);
    expect(Object.keys(cold)).toHaveLength(Object.keys(golden).length);
    expect(cold).toEqual(golden);
    // again with every cache (words, template runs, special-string matches, template strings) warm
    expect(goldenDigests(impl, templates, records, tokenizers)).toEqual(golden);
  });

  it('the fast path and token-by-token alignment agree on every case', () => {
    const [fast, aligned] = [tokenizers[0]![1], tokenizers[1]![1]];
    for (const template of templates) {
      for (const [row, record] of records.entries()) {
        let f;
        try {
          f = formatConversation(record, { template, row });
        } catch {
          continue;
        }
        const run = (t: Tokenizer) => {
          try {
            const x = tokenizeConversation(f, t);
            return [Array.from(x.inputIds), Array.from(x.labels), Array.from(x.offsets)];
          } catch (e) {
            return (e as { code: string }).code;
          }
        };
        expect(run(fast), `${typeof template === 'string' ? template : template.name} row ${row}`).toEqual(run(aligned));
      }
    }
  });
});
