import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { startOpenAIServer } from './server';
import type { ChatHandler, OpenAIServer } from './types';

/** Options of the command-line server, parsed from `--handler`, `--log`, `--port`, `--polls`, `--api-key`. */
export interface ServeCliOptions {
  handlerModule?: string;
  logFile?: string;
  port?: number;
  batchPollsUntilDone?: number;
  apiKey?: string;
}

/** Parses `--name value` pairs of the serve command. */
export function parseServeArgs(argv: readonly string[]): ServeCliOptions {
  const options: ServeCliOptions = {};
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`missing value after ${flag}`);
    if (flag === '--handler') options.handlerModule = value;
    else if (flag === '--log') options.logFile = value;
    else if (flag === '--port') options.port = Number(value);
    else if (flag === '--polls') options.batchPollsUntilDone = Number(value);
    else if (flag === '--api-key') options.apiKey = value;
    else throw new Error(`unknown flag ${flag}; known: --handler <module> --log <file.jsonl> --port <n> --polls <n> --api-key <key>`);
  }
  return options;
}

/**
 * Runs the test server for another process: the handler comes from a module (its `handler` or default
 * export), requests are appended to `--log` as JSON lines, and the first stdout line is
 * `{"baseURL": "..."}` so the parent knows where to connect.
 */
export async function serveFromCli(argv: readonly string[]): Promise<OpenAIServer> {
  const options = parseServeArgs(argv);
  let handler: ChatHandler | undefined;
  if (options.handlerModule) {
    const mod = (await import(pathToFileURL(resolve(options.handlerModule)).href)) as { handler?: ChatHandler; default?: ChatHandler };
    handler = mod.handler ?? mod.default;
    if (typeof handler !== 'function') throw new Error(`${options.handlerModule} exports no handler function (export const handler = ...)`);
  }
  const server = await startOpenAIServer({
    handler,
    logFile: options.logFile,
    port: options.port,
    batchPollsUntilDone: options.batchPollsUntilDone,
    apiKey: options.apiKey,
  });
  process.stdout.write(JSON.stringify({ baseURL: server.baseURL, port: server.port }) + '\n');
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return server;
}
