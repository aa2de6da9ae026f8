import type { TemplateSpecInput } from './template-spec';

/**
 * mpt (upstream LLaVA's ChatML variant): `<|im_start|>system\n{sys}<|im_end|><|im_start|>user\nQ1<|im_end|>`
 * ... with no newline after `<|im_end|>`.
 */
export const mpt: TemplateSpecInput = {
  name: 'mpt',
  description: 'Upstream LLaVA "mpt" template: ChatML tags without a newline after <|im_end|>.',
  style: 'mpt',
  system: 'A conversation between a user and an LLM-based AI assistant. The assistant gives helpful and honest answers.',
  systemFormat: '<|im_start|>system\n{system}',
  roles: { user: '<|im_start|>user\n', assistant: '<|im_start|>assistant\n' },
  sep: '<|im_end|>',
  specialTokens: ['<|im_start|>', '<|im_end|>'],
};
