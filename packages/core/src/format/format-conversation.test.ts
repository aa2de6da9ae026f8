import { describe, expect, it } from 'vitest';
import { createRng } from '../random/rng';
import { registerTemplate } from '../templates/registry';
import { formatConversation } from './format-conversation';
import { placeImages } from './image-placement';

const rec = (id: string, first = 'What is this?\n<image>') => ({
  id,
  image: 'x.jpg',
  conversations: [
    { from: 'human' as const, value: first },
    { from: 'gpt' as const, value: 'A cat.' },
  ],
});

describe('formatConversation', () => {
  it('produces contiguous spans that cover the text, with roles', () => {
    const f = formatConversation(rec('a'), { template: 'vicuna_v1' });
    let at = 0;
    for (const s of f.spans) {
      expect(s.start).toBe(at);
      at = s.end;
    }
    expect(at).toBe(f.text.length);
    const roles = new Set(f.spans.map((s) => `${s.role}:${s.part}:${s.trained}`));
    expect(roles).toEqual(new Set(['system:system:false', 'system:separator:false', 'user:tag:false', 'user:image:false', 'user:text:false', 'user:separator:false', 'assistant:tag:false', 'assistant:text:true', 'assistant:stop:true']));
  });

  it('rejects an <image> that is only inside an answer, naming the record and turn', () => {
    const inAnswer = { id: 'r7', image: 'x.jpg', conversations: [{ from: 'human' as const, value: 'What is this?' }, { from: 'gpt' as const, value: 'This: <image>' }] };
    expect(() => formatConversation(inAnswer, { row: 7 })).toThrow(expect.objectContaining({ code: 'image_in_answer', location: { row: 7, id: 'r7', field: 'conversations[1].value' } }));
  });

  it('places the image in front, keeps it, or picks a side per record with a seed', () => {
    expect(formatConversation(rec('a'), { imagePlacement: 'front' }).text).toContain('USER: <image>\nWhat is this? ASSISTANT:');
    expect(formatConversation(rec('a'), { imagePlacement: 'keep' }).text).toContain('USER: What is this?\n<image> ASSISTANT:');
    const sides = Array.from({ length: 40 }, (_, i) => formatConversation(rec(`r${i}`), { imagePlacement: 'random', seed: 3 }).text.includes('USER: <image>'));
    expect(sides.some(Boolean) && !sides.every(Boolean)).toBe(true);
    const again = Array.from({ length: 40 }, (_, i) => formatConversation(rec(`r${i}`), { imagePlacement: 'random', seed: 3 }).text.includes('USER: <image>'));
    expect(again).toEqual(sides);
    const rng = createRng(1);
    expect(['<image>\nQ', 'Q\n<image>']).toContain(placeImages('<image> Q', 'random', rng));
  });

  it('wraps images with <im_start>/<im_end> when asked, as one untrained image span', () => {
    const f = formatConversation(rec('a'), { mmUseImStartEnd: true });
    expect(f.text).toContain('USER: <im_start><image><im_end>\nWhat is this?');
    const image = f.spans.find((s) => s.part === 'image')!;
    expect(f.text.slice(image.start, image.end)).toBe('<im_start><image><im_end>');
    expect(image.trained).toBe(false);
  });

  it('uses a system turn instead of the template system message', () => {
    const f = formatConversation({ id: 's', conversations: [{ from: 'system', value: 'Be brief.' }, { from: 'human', value: 'Hi' }, { from: 'gpt', value: 'Hello.' }] }, { template: 'llava_llama_2' });
    expect(f.text).toBe('[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello. </s>');
    expect(formatConversation({ id: 'm', conversations: [{ from: 'human', value: 'Hi' }, { from: 'gpt', value: 'Yo' }] }, { template: 'mistral_instruct' }).text).toBe('[INST] Hi [/INST] Yo </s>');
  });

  it('formats text-only and multi-image records', () => {
    expect(formatConversation({ id: 't', conversations: [{ from: 'human', value: 'Hi' }, { from: 'gpt', value: 'Yo' }] }).images).toEqual([]);
    const f = formatConversation({ id: 'm', image: ['a.png', 'b.png'], conversations: [{ from: 'human', value: 'Compare <image> and <image>' }, { from: 'gpt', value: 'Same.' }] });
    expect(f.text).toContain('USER: <image>\n<image>\nCompare  and ASSISTANT:');
    expect(f.images).toEqual(['a.png', 'b.png']);
  });

  it('throws typed errors naming the record', () => {
    const bad = (conversations: { from: 'human' | 'gpt' | 'system'; value: string }[], image?: string) => () => formatConversation({ id: 'bad', image, conversations }, { row: 4 });
    expect(bad([{ from: 'gpt', value: 'A' }])).toThrow(expect.objectContaining({ code: 'roles_out_of_order', location: expect.objectContaining({ row: 4, id: 'bad', field: 'conversations[0].from' }) }));
    expect(bad([{ from: 'human', value: 'Q' }, { from: 'human', value: 'Q' }])).toThrow(expect.objectContaining({ code: 'roles_out_of_order' }));
    expect(bad([{ from: 'human', value: 'Q' }, { from: 'system', value: 'S' }])).toThrow(expect.objectContaining({ code: 'roles_out_of_order' }));
    expect(bad([{ from: 'system', value: 'S' }])).toThrow(expect.objectContaining({ code: 'conversation_empty' }));
    expect(bad([{ from: 'human', value: 'Q' }, { from: 'gpt', value: 'A' }], 'x.jpg')).toThrow(expect.objectContaining({ code: 'image_count_mismatch' }));
    expect(bad([{ from: 'human', value: '<image>\nQ' }, { from: 'gpt', value: 'A' }])).toThrow(expect.objectContaining({ code: 'image_count_mismatch' }));
  });

  it('keeps separator strings inside answers as answer text', () => {
    const f = formatConversation({ id: 'sep', conversations: [{ from: 'human', value: 'Q ASSISTANT: x' }, { from: 'gpt', value: 'See ### and ASSISTANT: and </s> here.' }] }, { template: 'vicuna_v1' });
    const trained = f.spans.filter((s) => s.trained).map((s) => f.text.slice(s.start, s.end));
    expect(trained).toEqual([' See ### and ASSISTANT: and </s> here.', '</s>']);
  });

  it('writes the current strings of a template whose spec object was changed after use', () => {
    // role tags and the system frame are derived once per spec object; a changed field must not be served stale
    const spec = registerTemplate({ name: 'format-test-mutable', style: 'two', system: 'Sys', systemFormat: '<{system}>', roles: { user: 'U', assistant: 'A' }, sep: ' ', sep2: '!' });
    const record = { conversations: [{ from: 'human' as const, value: 'q' }, { from: 'gpt' as const, value: 'a' }] };
    expect(formatConversation(record, { template: 'format-test-mutable' }).text).toBe('<Sys> U: q A: a!');
    spec.roles = { user: 'Human', assistant: 'Bot' };
    spec.systemFormat = '[{system}]';
    expect(formatConversation(record, { template: 'format-test-mutable' }).text).toBe('[Sys] Human: q Bot: a!');
    spec.sep = '\n';
    expect(formatConversation(record, { template: 'format-test-mutable' }).text).toBe('[Sys]\nHuman: q\nBot: a!');
  });

  it('splits a turn with several images at each one, keeping the text around them', () => {
    const record = { image: ['a.png', 'b.png'], conversations: [{ from: 'human' as const, value: 'Left <image> right <image>' }, { from: 'gpt' as const, value: 'Both.' }] };
    for (const [mmUseImStartEnd, image] of [[false, '<image>'], [true, '<im_start><image><im_end>']] as const) {
      const f = formatConversation(record, { template: 'llava_v0_train', imagePlacement: 'keep', mmUseImStartEnd });
      const user = f.spans.filter((s) => s.role === 'user' && (s.part === 'text' || s.part === 'image')).map((s) => [s.part, f.text.slice(s.start, s.end)]);
      expect(user).toEqual([['text', ' Left '], ['image', image], ['text', ' right '], ['image', image]]);
    }
  });
});
