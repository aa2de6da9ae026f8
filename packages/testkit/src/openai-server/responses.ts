import type { ChatReply, ServerChatMessage, ServerChatRequest, ServerUsage } from './types';

/** Text of a message: its string content, or its text parts joined with newlines. */
export function messageText(message: ServerChatMessage | undefined): string {
  if (!message || message.content == null) return '';
  if (typeof message.content === 'string') return message.content;
  return message.content
    .map((part) => (typeof part.text === 'string' ? part.text : ''))
    .filter((t) => t.length > 0)
    .join('\n');
}

/** Text of the last user message of a request ('' when there is none). */
export function lastUserText(request: Pick<ServerChatRequest, 'messages'>): string {
  const messages = Array.isArray(request.messages) ? request.messages : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === 'user') return messageText(messages[i]);
  }
  return '';
}

/** A rough token count (about four characters per token), enough for usage accounting in tests. */
export function approxTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** The chat.completion object the OpenAI API returns for a successful reply. */
export function chatCompletionBody(
  request: ServerChatRequest,
  reply: { content: string; usage?: Partial<ServerUsage>; finishReason?: string },
  id: string,
): Record<string, unknown> {
  const promptTokens =
    reply.usage?.prompt_tokens ??
    (Array.isArray(request.messages) ? request.messages.reduce((n, m) => n + approxTokens(messageText(m)) + 4, 0) : 1);
  const completionTokens = reply.usage?.completion_tokens ?? approxTokens(reply.content);
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: reply.content, refusal: null },
        logprobs: null,
        finish_reason: reply.finishReason ?? 'stop',
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: reply.usage?.total_tokens ?? promptTokens + completionTokens,
    },
  };
}

/** The OpenAI error body for an HTTP error reply. */
export function errorBody(status: number, message?: string, type?: string): Record<string, unknown> {
  const defaultType = status === 429 ? 'rate_limit_exceeded' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message: message ?? `scripted ${status} error`, type: type ?? defaultType, param: null, code: null } };
}

/** Normalises the string shorthand to the object form. */
export function normaliseReply(reply: ChatReply): Exclude<ChatReply, string> {
  return typeof reply === 'string' ? { content: reply } : reply;
}
