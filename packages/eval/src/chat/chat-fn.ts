/** A text-only chat message (reference answers and the judge never send pixels). */
export interface TextChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Sampling settings of one chat call. */
export interface ChatCallOptions {
  model: string;
  temperature?: number;
  maxTokens?: number;
  /**
   * Sampling seed (OpenAI's `seed`). Also part of a cached request's identity, which is how a second
   * judging round gets a fresh answer instead of the cached unparseable one.
   */
  seed?: number;
}

/** What a chat call returns: the text and which model version actually answered. */
export interface ChatCompletionResult {
  text: string;
  /** The `model` field of the response (the served version, e.g. `gpt-4-0613`), else the requested name. */
  model: string;
  /** The response's `system_fingerprint`, when the server sends one. */
  systemFingerprint?: string;
}

/**
 * One chat completion. Implementations: {@link openAIChat} (any OpenAI-compatible server) or an adapter
 * over the cached, resumable teacher engine of @vlm/datagen.
 */
export type ChatFn = (messages: readonly TextChatMessage[], options: ChatCallOptions) => Promise<ChatCompletionResult>;
