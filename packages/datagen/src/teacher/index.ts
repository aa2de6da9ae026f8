/** Creates a teacher bound to one model: `teacher.complete(messages, params)`. */
export { createTeacher, type Teacher, type TeacherOptions } from './teacher';
/** An `openai` SDK client from options or the environment (retries off; the teacher retries). */
export { createOpenAIClient, resolveBaseURL, type ConnectionOptions } from './openai-client';
/** Error of a teacher call that failed for good or was refused (budget, missing key). */
export { TeacherError } from './teacher-error';
/** Content address of a request (SHA-256 of canonical model + messages + params). */
export { requestKey, canonicalJson } from './request-key';
/** The on-disk answer cache (`responses.jsonl`). */
export { ResponseCache, isCacheRejection, type CachedResponse, type CacheRejection } from './response-cache';
/** Dry-run cost estimate with the model's tokenizer. */
export { estimateCost, type CostEstimate, type EstimateOptions, type PlannedRequest } from './estimate-cost';
/** Model prices (USD per million tokens) and cost arithmetic. */
export { knownModelPrices, priceOfModel, costOf } from './pricing';
/** Token counting with OpenAI's tokenizers (o200k_base, cl100k_base). */
export { countPromptTokens, countTextTokens, encodingForModel, loadEncoding, type EncodingName, type TextEncoding } from './token-count';
/** Retry-After parsing and backoff. */
export { retryAfterMs, retryDelayMs, classifyFailure, type BackoffOptions, type AttemptFailure } from './retry-policy';
/** Concurrency limiter. */
export { Semaphore } from './semaphore';
/** Types of the teacher: messages, params, responses, usage, stats, events, prices. */
export type { TeacherMessage, TeacherParams, TeacherResponse, TeacherUsage, TeacherStats, TeacherEvent, ModelPrice } from './types';
