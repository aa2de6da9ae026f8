import { describe, expect, it } from 'vitest';
import { fromOpenAIMessages, fromShareGpt, toOpenAIMessages, toShareGpt } from './chat-messages';

const record = {
  id: '000000033471',
  image: '000000033471.jpg',
  conversations: [
    { from: 'human' as const, value: '<image>\nWhat is the bus doing?' },
    { from: 'gpt' as const, value: 'It is parked.' },
  ],
};

describe('chat message converters', () => {
  it('converts to OpenAI messages with image parts in place and back', () => {
    const messages = toOpenAIMessages(record, { imageUrl: (p) => `file:///data/${p}` });
    expect(messages).toEqual([
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'file:///data/000000033471.jpg' } }, { type: 'text', text: 'What is the bus doing?' }] },
      { role: 'assistant', content: 'It is parked.' },
    ]);
    const back = fromOpenAIMessages(toOpenAIMessages(record), record.id);
    expect(back).toEqual(record);
  });

  it('round-trips ShareGPT {role, content} records, multi-image included', () => {
    const multi = { ...record, image: ['a.png', 'b.png'], conversations: [{ from: 'system' as const, value: 'S' }, ...record.conversations] };
    expect(toShareGpt(multi)).toEqual({
      id: record.id,
      images: ['a.png', 'b.png'],
      messages: [
        { role: 'system', content: 'S' },
        { role: 'user', content: '<image>\nWhat is the bus doing?' },
        { role: 'assistant', content: 'It is parked.' },
      ],
    });
    expect(fromShareGpt(toShareGpt(multi))).toEqual(multi);
    expect(() => fromShareGpt({ messages: [{ role: 'tool' as never, content: 'x' }] })).toThrow(expect.objectContaining({ code: 'unknown_role' }));
    expect(() => toOpenAIMessages({ conversations: [{ from: 'human', value: '<image>' }] })).toThrow(expect.objectContaining({ code: 'image_count_mismatch' }));
  });
});
