import OpenAI from 'openai';

import { createRng } from '@vlm/core';

import { createOpenAIClient, resolveBaseURL } from './openai-client';
import { costOf, priceOfModel } from './pricing';
import { requestKey } from './request-key';
import { ResponseCache, type CachedResponse } from './response-cache';
import { classifyFailure, MalformedResponseError, retryDelayMs, type AttemptFailure, type BackoffOptions } from './retry-policy';
import { Semaphore } from './semaphore';
import { TeacherError } from './teacher-error';
import type { ModelPrice, TeacherEvent, TeacherMessage, TeacherParams, TeacherResponse, TeacherStats } from './types';

/** Options of {@link createTeacher}. Unset connection options come from the environment. */
export interface TeacherOptions {
  /** Model name; else `VLM_TEACHER_MODEL`, else `OPENAI_MODEL`. */
  model?: string;
  /** OpenAI-compatible base URL (OpenAI, Azure, vLLM, Ollama, ...); else `OPENAI_BASE_URL`, else OpenAI. */
  baseURL?: string;
  /** API key; else `OPENAI_API_KEY`. Never printed, logged or written anywhere. */
  apiKey?: string;
  /** Folder of the disk cache (`responses.jsonl`); without it answers are cached in memory only. */
  cacheDir?: string;
  /** `fsync` (default) or `write` (survives a killed process, not a power cut; faster on slow disks). */
  durability?: 'fsync' | 'write';
  /** Requests in flight at once (default 8). */
  concurrency?: number;
  /** Retries after the first attempt for retryable failures: 429, 5xx, timeouts, malformed answers (default 6). */
  maxRetries?: number;
  /** Per-request timeout in ms (default 120 000). */
  timeoutMs?: number;
  backoff?: BackoffOptions;
  /** Price of the model; default from `knownModelPrices`. Without a price, cost is reported as 0. */
  price?: ModelPrice;
  /** Refuse to send once this many USD were spent in this process. */
  budgetUsd?: number;
  /** Parameters merged under every request's own (part of the cache key). */
  defaultParams?: TeacherParams;
  /** Seed of the backoff jitter. */
  seed?: number;
  /** Called for every send, answer, cache hit, retry and failure. */
  onEvent?: (event: TeacherEvent) => void;
  /** Environment to read defaults from (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Time source and waiting (tests pass a fake clock that records waits instead of sleeping). */
  clock?: { now(): number; sleep(ms: number): Promise<void> };
  /** Never send: a request that is not cached fails with `not_cached` (e.g. after a Batch import). */
  offline?: boolean;
  /** A ready SDK client (its own retries should be 0); overrides baseURL/apiKey. */
  client?: OpenAI;
}

/** A cached, rate-limit-aware, cost-accounting teacher bound to one model. */
export interface Teacher {
  readonly model: string;
  /** The base URL requests go to (never includes the key). */
  readonly baseURL: string;
  /** The content address of a request (what the cache and Batch `custom_id` use). */
  key(messages: readonly TeacherMessage[], params?: TeacherParams): string;
  /** The answer, from the cache if it was ever received, else from the API (retrying as configured). */
  complete(messages: readonly TeacherMessage[], params?: TeacherParams): Promise<TeacherResponse>;
  /** The cached answer of a request without sending anything. */
  lookup(messages: readonly TeacherMessage[], params?: TeacherParams): TeacherResponse | undefined;
  /** Stores an answer obtained elsewhere (a Batch API results file) under its request key. */
  store(entry: Omit<CachedResponse, 'receivedAt'>): Promise<void>;
  /** Whether a key is answered in the cache. */
  has(key: string): boolean;
  /** Price used for cost accounting (undefined when unknown). */
  readonly price: ModelPrice | undefined;
  stats(): TeacherStats;
  /** Flushes and closes the cache. */
  close(): Promise<void>;
}

const realClock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) };

function redact(text: string, secret: string | undefined): string {
  return secret && secret.length >= 4 ? text.split(secret).join('***') : text;
}

/**
 * Creates a teacher: the `openai` SDK against any OpenAI-compatible server with a concurrency limit,
 * retries with backoff that honour Retry-After (one 429 pauses every worker), per-request timeouts,
 * a content-addressed disk cache written before an answer is handed out, in-flight de-duplication,
 * and token/cost accounting with an optional budget.
 */
export function createTeacher(options: TeacherOptions = {}): Teacher {
  const env = options.env ?? process.env;
  const modelOption = options.model ?? env.VLM_TEACHER_MODEL ?? env.OPENAI_MODEL;
  if (!modelOption) {
    throw new TeacherError('teacher_model_missing', 'No teacher model given.', {
      hint: 'Pass --model (or `model`), or set VLM_TEACHER_MODEL.',
    });
  }
  const model: string = modelOption;
  const baseURL = resolveBaseURL({ baseURL: options.baseURL, env });
  const apiKey = options.apiKey ?? env.OPENAI_API_KEY;
  const price = options.price ?? priceOfModel(model);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const maxRetries = options.maxRetries ?? 6;
  const clock = options.clock ?? realClock;
  const rng = createRng(options.seed ?? 0).fork('teacher-backoff');
  const semaphore = new Semaphore(options.concurrency ?? 8);
  const cache = options.cacheDir ? ResponseCache.open(options.cacheDir, { durability: options.durability }) : undefined;
  const memory = new Map<string, CachedResponse>();
  const inFlight = new Map<string, Promise<TeacherResponse>>();
  let client = options.client;
  let pausedUntil = 0;

  const stats: TeacherStats = {
    requestsSent: 0,
    answered: 0,
    cacheHits: 0,
    retries: 0,
    failures: 0,
    promptTokens: 0,
    completionTokens: 0,
    costUsd: 0,
    errorsByCode: {},
  };
  const emit = (event: TeacherEvent) => options.onEvent?.(event);

  function getClient(): OpenAI {
    client ??= createOpenAIClient({ baseURL, apiKey, timeoutMs, env });
    return client;
  }

  const paramsOf = (params?: TeacherParams): TeacherParams => ({ ...options.defaultParams, ...params });
  const keyOf = (messages: readonly TeacherMessage[], params?: TeacherParams) => requestKey(model, messages, paramsOf(params));

  function fromCache(key: string): CachedResponse | undefined {
    return memory.get(key) ?? cache?.get(key);
  }

  function toResponse(entry: CachedResponse, cached: boolean): TeacherResponse {
    return {
      key: entry.key,
      model: entry.model,
      content: entry.content,
      finishReason: entry.finishReason,
      usage: entry.usage,
      costUsd: costOf(entry.usage, price, entry.source === 'batch' ? 0.5 : 1),
      cached,
      source: entry.source,
    };
  }

  async function save(entry: CachedResponse): Promise<void> {
    if (cache) await cache.put(entry);
    else memory.set(entry.key, entry);
  }

  async function attemptOnce(key: string, messages: readonly TeacherMessage[], params: TeacherParams, attempt: number): Promise<CachedResponse> {
    const now = clock.now();
    if (pausedUntil > now) await clock.sleep(pausedUntil - now);
    if (options.budgetUsd !== undefined && stats.costUsd >= options.budgetUsd) {
      throw new TeacherError('budget_exceeded', `Spent $${stats.costUsd.toFixed(4)} of the $${options.budgetUsd} budget; not sending more requests.`, {
        hint: 'Raise --budget, or rerun later: answered requests are cached and will not be paid again.',
      });
    }
    stats.requestsSent += 1;
    emit({ type: 'sent', key, attempt });
    const body = { ...params, model, messages } as unknown as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
    const completion = (await getClient().chat.completions.create(body, { timeout: timeoutMs, maxRetries: 0 })) as unknown;
    const choice = (completion as { choices?: Array<{ message?: { content?: unknown }; finish_reason?: unknown }> } | null)?.choices?.[0];
    if (typeof completion !== 'object' || completion === null || !choice || typeof choice.message?.content !== 'string') {
      throw new MalformedResponseError('answer has no choices[0].message.content string');
    }
    const usage = (completion as { usage?: { prompt_tokens?: number; completion_tokens?: number } }).usage;
    return {
      key,
      model,
      content: choice.message.content,
      finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
      usage: { promptTokens: usage?.prompt_tokens ?? 0, completionTokens: usage?.completion_tokens ?? 0 },
      source: 'api',
      receivedAt: new Date().toISOString(),
    };
  }

  async function send(key: string, messages: readonly TeacherMessage[], params: TeacherParams): Promise<TeacherResponse> {
    if (options.offline) {
      stats.failures += 1;
      throw new TeacherError('not_cached', 'The answer to this request is not in the cache and the teacher is offline.', {
        hint: 'Import the Batch results that cover it, or run without --offline to send it.',
      });
    }
    let last: AttemptFailure | undefined;
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      let entry: CachedResponse;
      try {
        entry = await semaphore.run(() => attemptOnce(key, messages, params, attempt));
      } catch (error) {
        if (error instanceof TeacherError) throw error;
        last = classifyFailure(error);
        last.message = redact(last.message, apiKey);
        stats.errorsByCode[last.code] = (stats.errorsByCode[last.code] ?? 0) + 1;
        if (!last.retryable || attempt === maxRetries) break;
        const delayMs = retryDelayMs(last, attempt + 1, rng, options.backoff);
        stats.retries += 1;
        emit({ type: 'retry', key, attempt: attempt + 1, delayMs, reason: last.code });
        // Rate limits are per account: a Retry-After holds every worker back (the wait happens at the
        // pause check before the next send), a backoff only this one.
        if (last.retryAfterMs !== undefined) pausedUntil = Math.max(pausedUntil, clock.now() + delayMs);
        else await clock.sleep(delayMs);
        continue;
      }
      // On disk before anyone sees it: a crash after this line never pays for the request again.
      await save(entry);
      const response = toResponse(entry, false);
      stats.answered += 1;
      stats.promptTokens += entry.usage.promptTokens;
      stats.completionTokens += entry.usage.completionTokens;
      stats.costUsd += response.costUsd;
      emit({ type: 'answered', key, usage: entry.usage, costUsd: response.costUsd });
      return response;
    }
    stats.failures += 1;
    const failure = last ?? { code: 'unexpected', message: 'no attempt made', retryable: false };
    emit({ type: 'failed', key, code: failure.code, message: failure.message });
    throw new TeacherError(`teacher_${failure.code}`, `Teacher request failed: ${failure.message}`, {
      status: failure.status,
      hint: failure.retryable
        ? `Gave up after ${maxRetries + 1} attempts; rerun later (answered requests are cached) or raise --retries/--timeout.`
        : 'The server refused the request; check the model name, base URL and key.',
    });
  }

  return {
    model,
    baseURL,
    price,
    key: keyOf,
    has: (key) => memory.has(key) || (cache?.has(key) ?? false),
    lookup(messages, params) {
      const entry = fromCache(keyOf(messages, params));
      return entry ? toResponse(entry, true) : undefined;
    },
    async store(entry) {
      await save({ ...entry, receivedAt: new Date().toISOString() });
    },
    complete(messages, params) {
      const merged = paramsOf(params);
      const key = requestKey(model, messages, merged);
      const hit = fromCache(key);
      if (hit) {
        stats.cacheHits += 1;
        emit({ type: 'cache-hit', key });
        return Promise.resolve(toResponse(hit, true));
      }
      // Identical requests in flight share one HTTP call: nothing is ever paid for twice.
      const running = inFlight.get(key);
      if (running) {
        stats.cacheHits += 1;
        return running.then((r) => ({ ...r, cached: true }));
      }
      const pending = send(key, messages, merged).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
      return pending;
    },
    stats: () => ({ ...stats, errorsByCode: { ...stats.errorsByCode } }),
    async close() {
      await cache?.close();
    },
  };
}
