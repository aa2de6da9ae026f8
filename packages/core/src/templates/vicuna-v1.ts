import { SYSTEM_USER } from './system-messages';
import type { TemplateSpecInput } from './template-spec';

/** vicuna_v1: `{system} USER: <image>\nQ1 ASSISTANT: A1</s>USER: Q2 ASSISTANT: A2</s>`. */
export const vicunaV1: TemplateSpecInput = {
  name: 'vicuna_v1',
  description: 'Vicuna v1 (LLaVA-1.5 default): USER/ASSISTANT, answers end with </s>.',
  style: 'two',
  system: SYSTEM_USER,
  roles: { user: 'USER', assistant: 'ASSISTANT' },
  sep: ' ',
  sep2: '</s>',
  specialTokens: ['</s>'],
};
