import { beforeAll, describe, expect, it } from 'vitest';
import { formatConversation } from '../format/format-conversation';
import { loadLlama2Tokenizer } from '../tokenizers/llama2-tokenizer';
import type { Tokenizer } from '../tokenizers/tokenizer';
import { renderMask } from './render-mask';
import { tokenizeConversation } from './tokenize-conversation';

const record = {
  id: 'r',
  image: 'x.jpg',
  conversations: [
    { from: 'human' as const, value: '<image>\nWhat is <this>?' },
    { from: 'gpt' as const, value: 'A cat & a dog.' },
  ],
};
let llama: Tokenizer;
beforeAll(async () => {
  llama = await loadLlama2Tokenizer();
});

describe('renderMask', () => {
  it('text: trained runs in «», images as one block, BOS named', () => {
    const t = tokenizeConversation(formatConversation(record), llama, { imageTokens: 4 });
    const out = renderMask(t, { format: 'text', tokenizer: llama });
    expect(out.startsWith('<s>A chat')).toBe(true);
    expect(out).toContain('USER: <image×4>\nWhat is <this>? ASSISTANT:« A cat & a dog.</s>»');
  });

  it('shows a character split into byte-fallback tokens once', () => {
    const coffee = { id: 'c', conversations: [{ from: 'human' as const, value: 'Drink?' }, { from: 'gpt' as const, value: 'A ☕ please.' }] };
    const t = tokenizeConversation(formatConversation(coffee), llama);
    // LLaMA-2 has no token for ☕: three byte tokens (<0xE2> <0x98> <0x95>) share its one character
    expect(Array.from(t.inputIds).filter((id) => /^<0x[0-9A-F]{2}>$/.test(llama.idToToken(id) ?? ''))).toHaveLength(3);
    expect(renderMask(t, { format: 'text', tokenizer: llama, boundaries: false })).toContain('ASSISTANT:« A ☕ please.</s>»');
    for (const format of ['ansi', 'html'] as const) expect(renderMask(t, { format, tokenizer: llama }).match(/☕/g)).toHaveLength(1);
  });

  it('ansi: trained tokens on green, images magenta', () => {
    const t = tokenizeConversation(formatConversation(record), llama);
    const out = renderMask(t, { tokenizer: llama });
    expect(out).toContain('\u001b[30;42m');
    expect(out).toContain('\u001b[35;1m<image>\u001b[0m');
    expect(out.replace(/\u001b\[[0-9;]*m/g, '')).toBe(`<s>${t.text.replace('\n', '↵\n')}`);
  });

  it('html: escaped text, trained spans marked', () => {
    const t = tokenizeConversation(formatConversation(record), llama);
    const out = renderMask(t, { format: 'html', tokenizer: llama });
    expect(out.startsWith('<pre class="vlm-mask"')).toBe(true);
    const textOnly = out.replace(/<[^>]+>/g, '');
    expect(textOnly).toContain('What is &lt;this&gt;?');
    expect(textOnly).toContain('A cat &amp; a dog.&lt;/s&gt;');
    expect(out).not.toContain('<this>');
    expect((out.match(/, trained"/g) ?? []).length).toBe(t.trainedTokens);
  });
});
