import type { TemplateSpecInput } from './template-spec';

/**
 * plain (stage-1 feature alignment): the instruction text is dropped and the sequence is the image
 * placeholder(s) followed by each caption and `"\n"`; captions and newlines are trained.
 */
export const plain: TemplateSpecInput = {
  name: 'plain',
  description: 'Stage-1 pretraining: <image> + caption + "\\n", no instruction text.',
  style: 'plain',
  system: '',
  roles: { user: '', assistant: '' },
  sep: '\n',
};
