import type { ChatHandler } from '@vlm/testkit';

/**
 * A scripted teacher for generation tests. It answers from the query's first caption line, so each
 * request's fate is decided by its content: `leaky` -> every answer mentions the caption, `garbled`
 * -> no turn markers, `dup` -> a repeated question, anything else -> two clean Q/A blocks.
 */
export const handler: ChatHandler = (_request, context) => {
  const first = context.lastUserText.split('\n')[0] ?? '';
  if (first.includes('leaky')) return 'Question:\nWhat is shown?\n===\nAnswer:\nThe caption says it is a shape.';
  if (first.includes('garbled')) return 'I would love to help with that!';
  const dup = first.includes('dup') ? '\n===\nQuestion:\nWhat is shown?\n===\nAnswer:\nStill the same thing.' : '';
  return `Question:\nWhat is shown?\n===\nAnswer:\n${first}.\n===\nQuestion:\nHow many objects are there?\n===\nAnswer:\nA few of them.${dup}`;
};
