import { SYSTEM_HUMAN } from './system-messages';
import type { TemplateSpecInput } from './template-spec';

/**
 * llava_v0 as the first release trained it: header `system + "\n\n"`, each turn `"### " + role + ": " +
 * value + "\n"`, then a final `"### "`. The answer, its newline and the `###` that follows are trained.
 */
export const llavaV0Train: TemplateSpecInput = {
  name: 'llava_v0_train',
  description: 'LLaVA v0 training form of the first release ("### Human: ...\\n").',
  style: 'v0_train',
  system: SYSTEM_HUMAN,
  roles: { user: 'Human', assistant: 'Assistant' },
  sep: '###',
};
