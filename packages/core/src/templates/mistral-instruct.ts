import type { TemplateSpecInput } from './template-spec';

/** mistral_instruct: `[INST] <image>\nQ1 [/INST] A1 </s>[INST] Q2 [/INST] A2 </s>` (no system block). */
export const mistralInstruct: TemplateSpecInput = {
  name: 'mistral_instruct',
  description: 'Mistral instruct format ([INST] ... [/INST]), no system message.',
  style: 'llama_2',
  system: '',
  systemFormat: '<<SYS>>\n{system}\n<</SYS>>\n\n',
  roles: { user: 'USER', assistant: 'ASSISTANT' },
  sep: '',
  sep2: '</s>',
  specialTokens: ['</s>'],
};
