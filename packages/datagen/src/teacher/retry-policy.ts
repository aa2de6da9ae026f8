import OpenAI from 'openai';

import type { Rng } from '@vlm/core';

/** How retries wait: exponential backoff with full jitter, capped; Retry-After always wins. */
export interface BackoffOptions {
  /** First backoff in ms (default 500). */
  baseMs?: number;
  /** Longest backoff in ms (default 30 000). */
  maxMs?: number;
  /** Longest Retry-After honoured in ms (default 120 000); longer ones are capped to it. */
  maxRetryAfterMs?: number;
}

/** A failed attempt, classified. */
export interface AttemptFailure {
  code: string;
  message: string;
  retryable: boolean;
  /** Will fail every request the same way (bad key, no access, unknown model, wrong URL path): stop the run. */
  fatal?: boolean;
  status?: number;
  /** Wait the server asked for (Retry-After / retry-after-ms), in ms. */
  retryAfterMs?: number;
}

function header(headers: unknown, name: string): string | null {
  if (headers && typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
  if (headers && typeof headers === 'object') {
    const value = (headers as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : null;
  }
  return null;
}

/** The wait a response asks for: `retry-after-ms`, else `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(headers: unknown, now = Date.now()): number | undefined {
  const ms = header(headers, 'retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = header(headers, 'retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Classifies an error thrown by the SDK (or by our response checks) into retryable or not. */
export function classifyFailure(error: unknown): AttemptFailure {
  if (error instanceof OpenAI.APIConnectionTimeoutError) return { code: 'timeout', message: 'request timed out', retryable: true };
  if (error instanceof OpenAI.APIUserAbortError) return { code: 'aborted', message: 'request aborted', retryable: false };
  if (error instanceof OpenAI.APIConnectionError) {
    const cause = causeCode(error);
    return { code: 'connection', message: cause ? `${error.message} (${cause})` : error.message, retryable: true };
  }
  if (error instanceof OpenAI.APIError) {
    const status = error.status;
    const retryable = status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
    const code = status === 429 ? 'rate_limited' : status !== undefined && status >= 500 ? 'server_error' : `http_${status ?? 'unknown'}`;
    const fatal = status === 401 || status === 403 || status === 404;
    return { code, message: error.message, retryable, ...(fatal ? { fatal } : {}), status, retryAfterMs: retryAfterMs(error.headers) };
  }
  if (error instanceof MalformedResponseError) return { code: 'malformed_response', message: error.message, retryable: true };
  // A body that is not JSON surfaces from the SDK as a SyntaxError.
  if (error instanceof SyntaxError) return { code: 'malformed_response', message: `response is not valid JSON: ${error.message}`, retryable: true };
  return { code: 'unexpected', message: error instanceof Error ? error.message : String(error), retryable: false };
}

/** The system error code (ECONNREFUSED, ENOTFOUND, ...) somewhere in an error's cause chain. */
function causeCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+/.test(code)) return code;
  }
  return undefined;
}

/** A 200 answer without the fields a chat completion must have. */
export class MalformedResponseError extends Error {}

/** How long to wait before retry number `attempt` (1-based): Retry-After when given, else jittered backoff. */
export function retryDelayMs(failure: AttemptFailure, attempt: number, rng: Rng, options: BackoffOptions = {}): number {
  const maxRetryAfter = options.maxRetryAfterMs ?? 120_000;
  if (failure.retryAfterMs !== undefined) return Math.min(failure.retryAfterMs, maxRetryAfter);
  const base = options.baseMs ?? 500;
  const cap = options.maxMs ?? 30_000;
  const ceiling = Math.min(cap, base * 2 ** (attempt - 1));
  // Full jitter: concurrent workers that failed together do not come back together.
  return Math.round(ceiling / 2 + rng.next() * (ceiling / 2));
}
