import { costOf } from './pricing';
import { countPromptTokens, encodingForModel, loadEncoding } from './token-count';
import type { Teacher } from './teacher';
import type { ModelPrice, TeacherMessage, TeacherParams } from './types';

/** A request as the dry run sees it. */
export interface PlannedRequest {
  messages: readonly TeacherMessage[];
  params?: TeacherParams;
}

/** What a job would cost, computed without sending anything. */
export interface CostEstimate {
  model: string;
  price: ModelPrice | undefined;
  requests: number;
  /** Requests already answered in the cache (free). */
  cached: number;
  toSend: number;
  /** Exact prompt tokens of the requests to send (the model's tokenizer). */
  promptTokens: number;
  /** Assumed completion tokens (per request: `expectedCompletionTokens`, else its max_tokens, else 512). */
  completionTokens: number;
  costUsd: number;
  /** True when priced at the Batch API's half price. */
  batch: boolean;
}

/** Options of {@link estimateCost}. */
export interface EstimateOptions {
  /** Completion tokens assumed per request (default: the request's max_tokens, else 512). */
  expectedCompletionTokens?: number;
  /** Price at the Batch API discount (half). */
  batch?: boolean;
}

/**
 * The dry run: counts the prompt tokens of every request with the model's real tokenizer, skips what
 * the cache already answered, and prices the rest, before any paid call.
 */
export async function estimateCost(teacher: Pick<Teacher, 'model' | 'price' | 'key' | 'has'>, requests: Iterable<PlannedRequest>, options: EstimateOptions = {}): Promise<CostEstimate> {
  const encoding = await loadEncoding(encodingForModel(teacher.model));
  const estimate: CostEstimate = {
    model: teacher.model,
    price: teacher.price,
    requests: 0,
    cached: 0,
    toSend: 0,
    promptTokens: 0,
    completionTokens: 0,
    costUsd: 0,
    batch: options.batch ?? false,
  };
  for (const request of requests) {
    estimate.requests += 1;
    if (teacher.has(teacher.key(request.messages, request.params))) {
      estimate.cached += 1;
      continue;
    }
    estimate.toSend += 1;
    estimate.promptTokens += countPromptTokens(encoding, request.messages);
    const maxTokens = request.params?.max_tokens ?? request.params?.max_completion_tokens;
    estimate.completionTokens += options.expectedCompletionTokens ?? (typeof maxTokens === 'number' ? maxTokens : 512);
  }
  estimate.costUsd = costOf({ promptTokens: estimate.promptTokens, completionTokens: estimate.completionTokens }, teacher.price, estimate.batch ? 0.5 : 1);
  return estimate;
}
