import type { ChatContentPart, ChatMessage, FewShotExample } from './chat-message';

/**
 * LLaVA's message layout, shared by every teacher prompt: the system message, then per few-shot
 * example a user message (its context) and an assistant message (its response), then the query.
 */
export function assembleMessages(
  system: string,
  examples: readonly FewShotExample[],
  query: string | ChatContentPart[],
): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: 'system', content: system }];
  for (const example of examples) {
    messages.push({ role: 'user', content: example.context });
    messages.push({ role: 'assistant', content: example.response });
  }
  messages.push({ role: 'user', content: query });
  return messages;
}
