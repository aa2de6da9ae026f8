import type { TemplateSpecInput } from './template-spec';

/** Standard ChatML: like `mpt` but every `<|im_end|>` is followed by an (untrained) newline. */
export const chatml: TemplateSpecInput = {
  name: 'chatml',
  description: 'Standard ChatML (<|im_end|> followed by a newline).',
  style: 'mpt',
  system: 'You are a helpful assistant.',
  systemFormat: '<|im_start|>system\n{system}',
  roles: { user: '<|im_start|>user\n', assistant: '<|im_start|>assistant\n' },
  sep: '<|im_end|>',
  turnSuffix: '\n',
  specialTokens: ['<|im_start|>', '<|im_end|>'],
};
