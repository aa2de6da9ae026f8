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

/**
 * An `openai` SDK client with its own retries off (the teacher retries, honouring Retry-After). The
 * OpenAI API needs a key; local servers (vLLM, Ollama) accept any, the SDK just wants one.
 */
export function createOpenAIClient(options: ConnectionOptions): OpenAI {
  const env = options.env ?? process.env;
  const baseURL = resolveBaseURL(options);
  const apiKey = options.apiKey ?? env.OPENAI_API_KEY;
  if (!apiKey && baseURL.includes('api.openai.com')) {
    throw new TeacherError('teacher_api_key_missing', 'No API key for the OpenAI API.', {
      hint: 'Set OPENAI_API_KEY in the environment (the key is never written to disk or printed).',
    });
  }
  return new OpenAI({ baseURL, apiKey: apiKey || 'unused', maxRetries: 0, timeout: options.timeoutMs ?? 120_000 });
}
