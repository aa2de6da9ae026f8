/** A part of a multimodal user message, as OpenAI's chat API takes it. */
export type ChatContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } };

/** One OpenAI chat message. Structurally compatible with the `openai` SDK's message params. */
export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | ChatContentPart[] }
  | { role: 'assistant'; content: string };

/** One few-shot demonstration: what the user shows (context) and what the teacher should answer. */
export interface FewShotExample {
  /** Stable name of the example, e.g. `llava-conversation/kitchen` or `001` for LLaVA's files. */
  id?: string;
  context: string;
  response: string;
}

/** The text of a message (image parts dropped), for hashing, logging and tests. */
export function messageText(message: ChatMessage): string {
  if (typeof message.content === 'string') return message.content;
  return message.content
    .filter((p): p is { type: 'text'; text: string } => p.type === 'text')
    .map((p) => p.text)
    .join('\n');
}
