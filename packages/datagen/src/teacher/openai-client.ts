import OpenAI from 'openai';

import { TeacherError } from './teacher-error';

/** Where to connect; unset values come from `OPENAI_BASE_URL` / `OPENAI_API_KEY`. */
export interface ConnectionOptions {
  baseURL?: string;
  apiKey?: string;
  timeoutMs?: number;
  env?: Record<string, string | undefined>;
}

/** The base URL a connection resolves to (default: the OpenAI API). */
export function resolveBaseURL(options: ConnectionOptions): string {
  return options.baseURL ?? (options.env ?? process.env).OPENAI_BASE_URL ?? 'https://api.openai.com/v1';
}

/** Whether a base URL is OpenAI's own API (which always needs a key). */
export function isOpenAIURL(baseURL: string): boolean {
  try {
    return new URL(baseURL).hostname.endsWith('api.openai.com');
  } catch {
    return false;
  }
}

/** The error for a missing key, thrown before any request is made. */
export function missingApiKeyError(baseURL: string): TeacherError {
  return new TeacherError('teacher_api_key_missing', `OPENAI_API_KEY is not set, and the OpenAI API (${baseURL}) needs an API key.`, {
    hint: 'Set it in the shell that runs the command: `export OPENAI_API_KEY=sk-...` (or pass --api-key; the key is never printed or written to disk). For a local server (vLLM, Ollama) pass --base-url http://127.0.0.1:8000/v1 instead.',
  });
}

/** Throws {@link missingApiKeyError} when the connection goes to OpenAI's API without a key. */
export function assertApiKey(options: ConnectionOptions): void {
  const env = options.env ?? process.env;
  const baseURL = resolveBaseURL(options);
  if (!(options.apiKey ?? env.OPENAI_API_KEY) && isOpenAIURL(baseURL)) throw missingApiKeyError(baseURL);
}

/**
 * An `openai` SDK client with its own retries off (the teacher retries, honouring Retry-After). The
 * OpenAI API needs a key (its absence is an error before any request); a local server (vLLM, Ollama)
 * without a key gets requests with no Authorization header at all, never a made-up key.
 */
export function createOpenAIClient(options: ConnectionOptions): OpenAI {
  const env = options.env ?? process.env;
  const baseURL = resolveBaseURL(options);
  const apiKey = options.apiKey ?? env.OPENAI_API_KEY;
  assertApiKey(options);
  if (apiKey) return new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: options.timeoutMs ?? 120_000 });
  // The SDK refuses to construct without credentials; the null header removes the Authorization header
  // it would build from them, so this string never leaves the process.
  return new OpenAI({ baseURL, apiKey: 'no-key', defaultHeaders: { Authorization: null }, maxRetries: 0, timeout: options.timeoutMs ?? 120_000 });
}
