/** One chat message as sent by the OpenAI SDK (content may be a string or an array of parts). */
export interface ServerChatMessage {
  role: string;
  content: string | Array<{ type: string; text?: string; [key: string]: unknown }> | null;
  [key: string]: unknown;
}

/** The JSON body of a `/v1/chat/completions` request. */
export interface ServerChatRequest {
  model: string;
  messages: ServerChatMessage[];
  temperature?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  [key: string]: unknown;
}

/** Token usage reported back to the client. */
export interface ServerUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens?: number;
}

/**
 * What the server answers to one chat request. A plain string is the assistant's content. Every
 * object form may carry `delayMs` to answer late (a delay past the client timeout tests timeouts).
 */
export type ChatReply =
  | string
  | {
      /** The assistant message content. */
      content: string;
      usage?: Partial<ServerUsage>;
      finishReason?: 'stop' | 'length' | 'content_filter';
      delayMs?: number;
    }
  | {
      /** An HTTP error: status (429, 500, 400, ...), optional Retry-After seconds and message. */
      error: { status: number; message?: string; retryAfter?: number; retryAfterMs?: number; type?: string };
      delayMs?: number;
    }
  | {
      /** Never answer: the socket stays open until the client gives up or the server closes. */
      hang: true;
    }
  | {
      /** A raw body (malformed JSON, HTML, ...) with a status, 200 by default. */
      raw: string;
      status?: number;
      contentType?: string;
      delayMs?: number;
    };

/** What the handler knows about the request besides its body. */
export interface ChatContext {
  /** 0-based index of this request among all chat requests the server received. */
  index: number;
  /** How many times an identical body was received before this one (0 on the first try). */
  attempt: number;
  /** Text of the last user message (string content, or text parts joined with newlines). */
  lastUserText: string;
  /** Request headers (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
}

/** Decides the reply to one chat completion request. */
export type ChatHandler = (request: ServerChatRequest, context: ChatContext) => ChatReply | Promise<ChatReply>;

/** Decides the embedding of one input string; the default is a deterministic hash-based vector. */
export type EmbeddingHandler = (input: string, model: string) => number[] | Promise<number[]>;

/** One request the server received, in arrival order. */
export interface RecordedRequest {
  /** 0-based arrival index over all endpoints. */
  index: number;
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body when the body was JSON, otherwise the raw text (multipart bodies are kept raw). */
  body: unknown;
  /** Wall-clock time of arrival (ms since epoch). */
  receivedAt: number;
  /** The HTTP status the server answered with (undefined while hanging or not yet answered). */
  status?: number;
  /** True when the reply was dropped on purpose (`dropResponse`): handled, but the client never got it. */
  dropped?: boolean;
}

/** Options of {@link startOpenAIServer}. */
export interface OpenAIServerOptions {
  /** Chat completions handler. Default: echoes the last user message as the answer. */
  handler?: ChatHandler;
  /** Embeddings handler. Default: deterministic 8-dimensional vectors from a hash of the input. */
  embeddings?: EmbeddingHandler;
  /** Port; 0 (default) picks a free one. The server always listens on 127.0.0.1. */
  port?: number;
  /** Number of `GET /v1/batches/{id}` polls answered `in_progress` before a batch completes (default 1). */
  batchPollsUntilDone?: number;
  /** If set, every recorded request is appended as one JSON line to this file (for other processes). */
  logFile?: string;
  /** If set, requests must carry `Authorization: Bearer <apiKey>`; others get 401. */
  apiKey?: string;
  /**
   * Fault injection: for each request this returns true for, the server does the work (creates the
   * batch, stores the file, ...) and then closes the connection instead of answering: a reply lost in
   * the network, as a proxy dropping one response would do.
   */
  dropResponse?: (request: RecordedRequest) => boolean;
}

/** A running server. */
export interface OpenAIServer {
  /** Base URL for the OpenAI SDK, ending in `/v1` (e.g. `http://127.0.0.1:41234/v1`). */
  readonly baseURL: string;
  readonly port: number;
  /** Every request received so far, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** The chat completion request bodies received so far, in arrival order. */
  chatRequests(): ServerChatRequest[];
  /** Replaces the chat handler (e.g. between the phases of a test). */
  setHandler(handler: ChatHandler): void;
  /** Stored files by id (uploaded and generated), as text. */
  readonly files: ReadonlyMap<string, { filename: string; purpose: string; content: string }>;
  /** Stops listening and drops open connections, including hanging ones. */
  close(): Promise<void>;
}
