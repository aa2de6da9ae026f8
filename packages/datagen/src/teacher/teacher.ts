import OpenAI from 'openai';

import { createRng } from '@vlm/core';

import { assertApiKey, createOpenAIClient, resolveBaseURL } from './openai-client';
import { maxCostOf } from './max-cost';
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
  /**
   * Attempts to reach a server that has not answered once yet before the run stops as unreachable
   * (default 3, backoff 250 ms doubling: about a second in all, not the full retry schedule).
   */
  connectAttempts?: number;
  /** Per-request timeout in ms (default 120 000). */
  timeoutMs?: number;
  backoff?: BackoffOptions;
  /** Price of the model; default from `knownModelPrices`. Without a price, cost is reported as 0. */
  price?: ModelPrice;
  /**
   * Never spend more than this many USD in this process: each request's maximum cost (prompt bytes
   * as tokens + max_tokens, at the model's price) is reserved before it is sent, so requests in flight
   * cannot overshoot; a request that would not fit waits for those in flight, else is refused.
   */
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
  /** Requests in flight at most. */
  readonly concurrency: number;
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
  /**
   * Withdraws a cached answer its caller could not use (a refusal, the wrong format), durably: a later
   * request with this key, in this run or a rerun, asks the teacher again instead of being served it.
   */
  reject(key: string, reason: string): Promise<void>;
  /** Price used for cost accounting (undefined when unknown). */
  readonly price: ModelPrice | undefined;
  stats(): TeacherStats;
  /** Flushes and closes the cache. */
  close(): Promise<void>;
}

const noop = () => {};
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
  // A missing key is a mistake found before any work starts, not one failure per task.
  if (!options.client && !options.offline) assertApiKey({ baseURL, apiKey, env });
  const price = options.price ?? priceOfModel(model);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const maxRetries = options.maxRetries ?? 6;
  const clock = options.clock ?? realClock;
  const rng = createRng(options.seed ?? 0).fork('teacher-backoff');
  const concurrency = options.concurrency ?? 8;
  const semaphore = new Semaphore(concurrency);
  const connectAttempts = options.connectAttempts ?? 3;
  const cache = options.cacheDir ? ResponseCache.open(options.cacheDir, { durability: options.durability }) : undefined;
  const memory = new Map<string, CachedResponse>();
  const inFlight = new Map<string, Promise<TeacherResponse>>();
  let client = options.client;
  let pausedUntil = 0;
  // Set by the first failure that every later request would repeat; from then on nothing is sent.
  let fatal: TeacherError | undefined;
  // Any HTTP answer (even an error status) proves the server is reachable.
  let connected = false;
  // Until one answer came back, one request at a time probes the server: a wrong key, model or URL
  // then costs one request, not one per worker.
  let confirmed = false;
  let probing: Promise<void> | undefined;
  // Failed connection attempts while the server never answered, and when the next may be made.
  let connectFailures = 0;
  let retryConnectAt = 0;
  // Budget: USD reserved by requests in flight (their maximum cost), and waiters for a release.
  let reservedUsd = 0;
  let budgetWaiters: Array<() => void> = [];

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

  function budgetError(maxCost: number): TeacherError {
    const budget = options.budgetUsd ?? 0;
    const left = Math.max(0, budget - stats.costUsd);
    return new TeacherError('budget_exceeded', `Spent $${stats.costUsd.toFixed(4)} of the $${budget.toFixed(4)} budget; the next request could cost up to $${maxCost.toFixed(4)}, more than the $${left.toFixed(4)} left, so nothing more is sent.`, {
      fatal: true,
      hint: 'Raise --budget and rerun: answered requests are cached and not paid again.',
    });
  }

  /** Reserves a request's maximum cost, waiting for requests in flight when it does not fit yet. */
  async function reserve(maxCost: number): Promise<void> {
    const budget = options.budgetUsd;
    if (budget === undefined) return;
    while (stats.costUsd + reservedUsd + maxCost > budget) {
      if (reservedUsd === 0) throw budgetError(maxCost);
      await new Promise<void>((resolve) => budgetWaiters.push(resolve));
      if (fatal) throw fatal;
    }
    reservedUsd += maxCost;
  }

  function release(maxCost: number): void {
    if (options.budgetUsd === undefined) return;
    reservedUsd = Math.max(0, reservedUsd - maxCost);
    const waiters = budgetWaiters;
    budgetWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Decides, before anyone else sends, whether a failure ends the run (fatal) or delays the next probe. */
  function noteFailure(error: unknown): void {
    const failure = classifyFailure(error);
    // The SDK prefixes the status ("401 Incorrect API key"); the message names it already.
    failure.message = redact(failure.message, apiKey).replace(/^\d{3} /, '');
    if (failure.fatal) fatal ??= fatalError(failure);
    else if (failure.code === 'connection' && !connected) {
      // A server that never answered: a few quick attempts, not the long backoff meant for a busy one.
      connectFailures += 1;
      if (connectFailures >= connectAttempts) {
        fatal ??= new TeacherError('teacher_unreachable', `Cannot connect to ${baseURL}: ${failure.message} (${connectFailures} attempts).`, {
          fatal: true,
          hint: 'Check --base-url (or OPENAI_BASE_URL) and that the server is running and listening there.',
        });
      } else retryConnectAt = clock.now() + 250 * 2 ** (connectFailures - 1);
    }
  }

  async function attemptOnce(key: string, messages: readonly TeacherMessage[], params: TeacherParams, attempt: number): Promise<CachedResponse> {
    const now = clock.now();
    if (pausedUntil > now) await clock.sleep(pausedUntil - now);
    if (fatal) throw fatal;
    const maxCost = options.budgetUsd === undefined ? 0 : maxCostOf(messages, params, price);
    await reserve(maxCost);
    try {
      const body = { ...params, model, messages } as unknown as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
      for (;;) {
        if (fatal) throw fatal;
        if (confirmed) break;
        if (probing) {
          await probing;
          continue;
        }
        const wait = retryConnectAt - clock.now();
        if (wait <= 0) break;
        await clock.sleep(wait);
      }
      // No await between the checks above and here: exactly one request becomes the probe.
      let settleProbe: (() => void) | undefined;
      if (!confirmed) probing = new Promise<void>((resolve) => (settleProbe = resolve));
      stats.requestsSent += 1;
      emit({ type: 'sent', key, attempt });
      let completion: unknown;
      try {
        completion = (await getClient().chat.completions.create(body, { timeout: timeoutMs, maxRetries: 0 })) as unknown;
        confirmed = true;
      } catch (error) {
        if (error instanceof OpenAI.APIError && error.status !== undefined) connected = true;
        noteFailure(error);
        throw error;
      } finally {
        // Settled after noteFailure: a waiting request sees the verdict (fatal, wait) before it goes.
        if (settleProbe) {
          probing = undefined;
          settleProbe();
        }
      }
      connected = true;
      const choice = (completion as { choices?: Array<{ message?: { content?: unknown }; finish_reason?: unknown }> } | null)?.choices?.[0];
      if (typeof completion !== 'object' || completion === null || !choice || typeof choice.message?.content !== 'string') {
        throw new MalformedResponseError('answer has no choices[0].message.content string');
      }
      const usage = (completion as { usage?: { prompt_tokens?: number; completion_tokens?: number } }).usage;
      const entry: CachedResponse = {
        key,
        model,
        content: choice.message.content,
        finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
        usage: { promptTokens: usage?.prompt_tokens ?? 0, completionTokens: usage?.completion_tokens ?? 0 },
        source: 'api',
        receivedAt: new Date().toISOString(),
      };
      // Counted as spent before the reservation is released, so no other request sees room that is gone.
      stats.costUsd += costOf(entry.usage, price);
      return entry;
    } finally {
      release(maxCost);
    }
  }

  function fatalError(failure: AttemptFailure): TeacherError {
    const hints: Record<number, string> = {
      401: 'The key was refused: check OPENAI_API_KEY (or --api-key) is the key of this server.',
      403: 'The key has no access to this model or project: check the model name and the key\'s permissions.',
      404: `Check --model (is "${model}" served there?) and --base-url (it usually ends in /v1; now ${baseURL}).`,
    };
    return new TeacherError(`teacher_${failure.code}`, `The server at ${baseURL} answered ${failure.status}: ${failure.message}. Every request would fail the same way, so the run stopped.`, {
      status: failure.status,
      fatal: true,
      hint: hints[failure.status ?? 0] ?? 'Check the model name, base URL and key.',
    });
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
        if (fatal) {
          stats.failures += 1;
          emit({ type: 'failed', key, code: last.code, message: last.message });
          throw fatal;
        }
        if (last.code === 'connection' && !connected) {
          // The wait until the next probe is kept by noteFailure; the attempt is not one of --retries.
          stats.retries += 1;
          emit({ type: 'retry', key, attempt: attempt + 1, delayMs: Math.max(0, retryConnectAt - clock.now()), reason: last.code });
          attempt -= 1;
          continue;
        }
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
        : 'The server refused this request; check the model name, base URL and key.',
    });
  }

  return {
    model,
    concurrency,
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
    async reject(key, reason) {
      memory.delete(key);
      await cache?.reject(key, reason);
      emit({ type: 'rejected', key, reason });
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
