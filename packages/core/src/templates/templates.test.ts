import { describe, expect, it } from 'vitest';
import { formatConversation } from '../format/format-conversation';
import { BUILT_IN_TEMPLATE_NAMES, getTemplate, registerTemplate } from './registry';
import { SYSTEM_HUMAN, SYSTEM_LLAVA_LLAMA_2, SYSTEM_USER } from './system-messages';

const record = {
  id: 'two-turns',
  image: 'a.jpg',
  conversations: [
    { from: 'human' as const, value: '<image>\nQ1' },
    { from: 'gpt' as const, value: 'A1' },
    { from: 'human' as const, value: 'Q2' },
    { from: 'gpt' as const, value: 'A2' },
  ],
};

const GOLDEN: Record<string, string> = {
  vicuna_v1: `${SYSTEM_USER} USER: <image>\nQ1 ASSISTANT: A1</s>USER: Q2 ASSISTANT: A2</s>`,
  llava_v1: `${SYSTEM_HUMAN} USER: <image>\nQ1 ASSISTANT: A1</s>USER: Q2 ASSISTANT: A2</s>`,
  llava_v0: `${SYSTEM_HUMAN}###Human: <image>\nQ1###Assistant: A1###Human: Q2###Assistant: A2###`,
  llava_v0_train: `${SYSTEM_HUMAN}\n\n### Human: <image>\nQ1\n### Assistant: A1\n### Human: Q2\n### Assistant: A2\n### `,
  plain: '<image>A1\nA2\n',
  llava_llama_2: `[INST] <<SYS>>\n${SYSTEM_LLAVA_LLAMA_2}\n<</SYS>>\n\n<image>\nQ1 [/INST] A1 </s><s>[INST] Q2 [/INST] A2 </s>`,
  mistral_instruct: '[INST] <image>\nQ1 [/INST] A1 </s>[INST] Q2 [/INST] A2 </s>',
  mpt:
    '<|im_start|>system\nA conversation between a user and an LLM-based AI assistant. The assistant gives helpful and honest answers.<|im_end|>' +
    '<|im_start|>user\n<image>\nQ1<|im_end|><|im_start|>assistant\nA1<|im_end|><|im_start|>user\nQ2<|im_end|><|im_start|>assistant\nA2<|im_end|>',
  chatml:
    '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<image>\nQ1<|im_end|>\n<|im_start|>assistant\nA1<|im_end|>\n' +
    '<|im_start|>user\nQ2<|im_end|>\n<|im_start|>assistant\nA2<|im_end|>\n',
};

const TRAINED: Record<string, string[]> = {
  vicuna_v1: [' A1', '</s>', ' A2', '</s>'],
  llava_v1: [' A1', '</s>', ' A2', '</s>'],
  llava_v0: [' A1', '###', ' A2', '###'],
  llava_v0_train: [' A1', '\n', '###', ' A2', '\n', '###'],
  plain: ['A1', '\n', 'A2', '\n'],
  llava_llama_2: [' A1 ', '</s>', ' A2 ', '</s>'],
  mistral_instruct: [' A1 ', '</s>', ' A2 ', '</s>'],
  mpt: ['A1', '<|im_end|>', 'A2', '<|im_end|>'],
  chatml: ['A1', '<|im_end|>', 'A2', '<|im_end|>'],
};

describe('built-in templates', () => {
  it('has a golden string for every built-in template', () => {
    expect(Object.keys(GOLDEN).sort()).toEqual([...BUILT_IN_TEMPLATE_NAMES].sort());
  });

  for (const [name, golden] of Object.entries(GOLDEN)) {
    it(`${name}: exact prompt and trained substrings`, () => {
      const f = formatConversation(record, { template: name });
      expect(f.text).toBe(golden);
      expect(f.spans.filter((s) => s.trained).map((s) => f.text.slice(s.start, s.end))).toEqual(TRAINED[name]);
    });
  }

  it('generation mode ends with the assistant role tag', () => {
    const ends: Record<string, string> = {
      vicuna_v1: 'Q2 ASSISTANT:',
      llava_v0: 'Q2###Assistant:',
      llava_v0_train: 'Q2\n### Assistant:',
      llava_llama_2: 'Q2 [/INST]',
      mpt: 'Q2<|im_end|><|im_start|>assistant\n',
      chatml: 'Q2<|im_end|>\n<|im_start|>assistant\n',
    };
    for (const [name, end] of Object.entries(ends)) {
      const f = formatConversation(record, { template: name, generation: true });
      expect(f.text.endsWith(end), name).toBe(true);
      expect(f.text).not.toContain('A2');
      expect(f.generation).toBe(true);
    }
  });
});

describe('template registry', () => {
  it('registers a user template and formats with it', () => {
    registerTemplate({ name: 'test_pipe', style: 'two', system: 'S.', roles: { user: 'Q', assistant: 'A' }, sep: ' | ', sep2: '<END>' });
    const f = formatConversation(record, { template: 'test_pipe' });
    expect(f.text).toBe('S. | Q: <image>\nQ1 | A: A1<END>Q: Q2 | A: A2<END>');
    expect(f.stopString).toBe('<END>');
  });

  it('rejects duplicates, invalid specs and unknown names with typed errors', () => {
    expect(() => registerTemplate({ name: 'vicuna_v1', style: 'two', system: '', roles: { user: 'U', assistant: 'A' }, sep: ' ' })).toThrow(
      expect.objectContaining({ code: 'template_exists' }),
    );
    expect(() => registerTemplate({ name: 'Bad Name', style: 'two', system: '', roles: { user: 'U', assistant: 'A' }, sep: ' ' })).toThrow(
      expect.objectContaining({ code: 'template_invalid', location: expect.objectContaining({ field: 'name' }) }),
    );
    expect(() => getTemplate({ name: 'x', style: 'nope', system: '', roles: { user: 'U', assistant: 'A' }, sep: '' } as never)).toThrow(
      expect.objectContaining({ code: 'template_invalid' }),
    );
    expect(() => getTemplate('no_such_template')).toThrow(expect.objectContaining({ code: 'template_unknown' }));
  });

  it('replaces a template when asked', () => {
    registerTemplate({ name: 'test_replace', style: 'single', system: 'one', roles: { user: 'U', assistant: 'A' }, sep: '#' });
    registerTemplate({ name: 'test_replace', style: 'single', system: 'two', roles: { user: 'U', assistant: 'A' }, sep: '#' }, { replace: true });
    expect(getTemplate('test_replace').system).toBe('two');
  });
});
