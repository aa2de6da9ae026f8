import OpenAI from 'openai';
import { VlmError } from '@vlm/core';
import type { ChatFn } from './chat-fn';

/** Connection settings of an OpenAI-compatible endpoint. */
export interface OpenAIConnection {
  /** Base URL ending in `/v1`; default: the OpenAI API. */
  baseURL?: string;
  /** API key; default: `OPENAI_API_KEY` from the environment. */
  apiKey?: string;
  /** Request timeout in ms (default 120000). */
  timeoutMs?: number;
  /** Retries of failed HTTP requests by the SDK (429, 5xx, timeouts), default 3. */
  maxRetries?: number;
}

/** An OpenAI SDK client for the connection; throws a `VlmError` when no API key is available. */
export function createOpenAIClient(connection: OpenAIConnection = {}): OpenAI {
  const apiKey = connection.apiKey ?? process.env.OPENAI_API_KEY;
  if (!apiKey) {
    throw new VlmError('openai_no_api_key', 'No API key for the OpenAI-compatible endpoint.', {
      hint: 'Set OPENAI_API_KEY (any non-empty value for local servers such as vLLM or Ollama) or pass apiKey.',
    });
  }
  return new OpenAI({
    apiKey,
    baseURL: connection.baseURL,
    timeout: connection.timeoutMs ?? 120_000,
    maxRetries: connection.maxRetries ?? 3,
  });
}

/** A {@link ChatFn} over an OpenAI-compatible `/chat/completions` endpoint (no cache). */
export function openAIChat(connection: OpenAIConnection = {}): ChatFn {
  const client = createOpenAIClient(connection);
  return async (messages, options) => {
    const response = await client.chat.completions.create({
      model: options.model,
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      temperature: options.temperature,
      max_tokens: options.maxTokens,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    });
    const text = response.choices[0]?.message?.content;
    if (typeof text !== 'string') {
      throw new VlmError('chat_empty_response', `The endpoint returned no message content for model ${options.model}.`, {
        hint: 'Check that the endpoint serves chat completions for this model.',
      });
    }
    return {
      text,
      model: response.model || options.model,
      ...(response.system_fingerprint ? { systemFingerprint: response.system_fingerprint } : {}),
    };
  };
}
