import { SYSTEM_HUMAN } from './system-messages';
import type { TemplateSpecInput } from './template-spec';

/** llava_v1: like vicuna_v1 but with the "human" system message. */
export const llavaV1: TemplateSpecInput = {
  name: 'llava_v1',
  description: 'LLaVA v1: USER/ASSISTANT with the "human" system message, answers end with </s>.',
  style: 'two',
  system: SYSTEM_HUMAN,
  roles: { user: 'USER', assistant: 'ASSISTANT' },
  sep: ' ',
  sep2: '</s>',
  specialTokens: ['</s>'],
};
