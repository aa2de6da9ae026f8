// Public API of @vlm/testkit: helpers shared by the packages' tests.

/** Starts an OpenAI-compatible server on 127.0.0.1 scripted by a handler; records every request. */
export { startOpenAIServer, echoHandler } from './openai-server/server';
/** Runs the test server for another process (`node --import tsx packages/testkit/src/bin/serve.ts`). */
export { serveFromCli, parseServeArgs, type ServeCliOptions } from './openai-server/serve-cli';
/** Helpers for handlers: message text, last user text, a rough token count. */
export { messageText, lastUserText, approxTokens } from './openai-server/responses';
/** Deterministic unit-length embeddings from a hash of the input. */
export { hashEmbedding } from './openai-server/embeddings';
/** Types of the server: replies, handlers, recorded requests, options. */
export type {
  ChatReply,
  ChatContext,
  ChatHandler,
  EmbeddingHandler,
  RecordedRequest,
  OpenAIServer,
  OpenAIServerOptions,
  ServerChatMessage,
  ServerChatRequest,
  ServerUsage,
} from './openai-server/types';
/** Runs a built CLI in a child process; lists its commands from its own `--help`. */
export { runBuiltCli, listCliCommands, commandsInHelp, type CliRun } from './cli/built-cli';
/** The CLI contract (--help everywhere, exit 2 with the usage on an unknown flag) as checks for a test runner. */
export { cliContractChecks, type CliContractCheck, type DeclaredCommand } from './cli/cli-contract';
