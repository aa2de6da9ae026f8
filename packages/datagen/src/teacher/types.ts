/** A chat message as the teacher takes it (structurally the `openai` SDK's message params). */
export type TeacherMessage =
  | { role: 'system' | 'developer'; content: string }
  | { role: 'user'; content: string | Array<{ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } }> }
  | { role: 'assistant'; content: string };

/** Sampling parameters that are part of a request's identity (and of its cache key). */
export interface TeacherParams {
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  seed?: number;
  stop?: string | string[];
  response_format?: { type: 'text' | 'json_object' };
  [key: string]: unknown;
}

/** Token counts of one call. */
export interface TeacherUsage {
  promptTokens: number;
  completionTokens: number;
}

/** The teacher's answer to one request. */
export interface TeacherResponse {
  /** Content address of the request (see `requestKey`). */
  key: string;
  model: string;
  content: string;
  finishReason: string | null;
  usage: TeacherUsage;
  /** Cost in USD of the original call (0 if no price is known); a cache hit costs nothing now. */
  costUsd: number;
  /** True when the answer came from the disk cache or another caller's identical in-flight request. */
  cached: boolean;
  source: 'api' | 'batch';
}

/** Prices in USD per million tokens. */
export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
}

/** Running totals of a teacher. */
export interface TeacherStats {
  /** HTTP requests sent (each retry counts). */
  requestsSent: number;
  /** Answers received from the API. */
  answered: number;
  cacheHits: number;
  retries: number;
  failures: number;
  promptTokens: number;
  completionTokens: number;
  /** USD spent in this process (cache hits excluded). */
  costUsd: number;
  /** Answers whose request errored so far (by error code). */
  errorsByCode: Record<string, number>;
}

/** Something that happened inside the teacher, for progress displays and logs. */
export type TeacherEvent =
  | { type: 'sent'; key: string; attempt: number }
  | { type: 'answered'; key: string; usage: TeacherUsage; costUsd: number }
  | { type: 'cache-hit'; key: string }
  | { type: 'rejected'; key: string; reason: string }
  | { type: 'retry'; key: string; attempt: number; delayMs: number; reason: string }
  | { type: 'failed'; key: string; code: string; message: string };
