import { SYSTEM_LLAVA_LLAMA_2 } from './system-messages';
import type { TemplateSpecInput } from './template-spec';

/** llava_llama_2: `[INST] <<SYS>>\n{sys}\n<</SYS>>\n\n<image>\nQ1 [/INST] A1 </s><s>[INST] Q2 [/INST] A2 </s>`. */
export const llavaLlama2: TemplateSpecInput = {
  name: 'llava_llama_2',
  description: 'LLaMA-2 chat format with the LLaVA system message.',
  style: 'llama_2',
  system: SYSTEM_LLAVA_LLAMA_2,
  systemFormat: '<<SYS>>\n{system}\n<</SYS>>\n\n',
  roles: { user: 'USER', assistant: 'ASSISTANT' },
  sep: '<s>',
  sep2: '</s>',
  specialTokens: ['<s>', '</s>'],
};
