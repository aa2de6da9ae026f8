import { SYSTEM_HUMAN } from './system-messages';
import type { TemplateSpecInput } from './template-spec';

/** llava_v0, inference form: `{system}###Human: <image>\nQ1###Assistant: A1###`; stop string `###`. */
export const llavaV0: TemplateSpecInput = {
  name: 'llava_v0',
  description: 'LLaVA v0 (### separator), the form used at inference and by later releases.',
  style: 'single',
  system: SYSTEM_HUMAN,
  roles: { user: 'Human', assistant: 'Assistant' },
  sep: '###',
};
