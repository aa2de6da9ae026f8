import type { ChatHandler } from '@vlm/testkit';

// The benchmark's teacher: an immediate, well-formed LLaVA conversation answer built from the query.
export const handler: ChatHandler = (_request, context) => {
  const first = context.lastUserText.split('\n')[0] ?? '';
  return `Question:\nWhat is in the image?\n===\nAnswer:\n${first}\n===\nQuestion:\nWhat is the background?\n===\nAnswer:\nA plain, light background.`;
};
