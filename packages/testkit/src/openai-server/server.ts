import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { BatchStore } from './batches';
import { hashEmbedding } from './embeddings';
import { parseMultipart } from './multipart';
import { chatCompletionBody, errorBody, lastUserText, normaliseReply } from './responses';
import type { ChatHandler, OpenAIServer, OpenAIServerOptions, RecordedRequest, ServerChatRequest } from './types';

/** The default handler: answers with the last user message, so tests see what was asked. */
export const echoHandler: ChatHandler = (_request, context) => context.lastUserText;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Starts an OpenAI-compatible HTTP server on 127.0.0.1 for tests: chat completions scripted by a
 * handler (content, HTTP errors with Retry-After, hangs, raw malformed bodies), embeddings, and the
 * Files + Batches endpoints the SDK uses. Every request is recorded in arrival order.
 */
export async function startOpenAIServer(options: OpenAIServerOptions = {}): Promise<OpenAIServer> {
  let handler: ChatHandler = options.handler ?? echoHandler;
  const requests: RecordedRequest[] = [];
  const seenBodies = new Map<string, number>();
  const store = new BatchStore(() => handler, options.batchPollsUntilDone ?? 1);
  let chatIndex = 0;
  let closed = false;

  async function handleChat(record: RecordedRequest, res: ServerResponse): Promise<void> {
    const request = record.body as ServerChatRequest;
    if (typeof request !== 'object' || request === null || !Array.isArray(request.messages)) {
      record.status = 400;
      sendJson(res, 400, errorBody(400, 'messages must be an array'));
      return;
    }
    const key = JSON.stringify(request);
    const attempt = seenBodies.get(key) ?? 0;
    seenBodies.set(key, attempt + 1);
    const context = { index: chatIndex++, attempt, lastUserText: lastUserText(request), headers: record.headers };
    const reply = normaliseReply(await handler(request, context));
    if ('hang' in reply) return; // left open on purpose; close() or the client's abort ends it
    if (reply.delayMs) await sleep(reply.delayMs);
    if (res.destroyed || closed) return;
    if ('error' in reply) {
      const headers: Record<string, string> = {};
      if (reply.error.retryAfter !== undefined) headers['retry-after'] = String(reply.error.retryAfter);
      if (reply.error.retryAfterMs !== undefined) headers['retry-after-ms'] = String(reply.error.retryAfterMs);
      record.status = reply.error.status;
      sendJson(res, reply.error.status, errorBody(reply.error.status, reply.error.message, reply.error.type), headers);
      return;
    }
    if ('raw' in reply) {
      record.status = reply.status ?? 200;
      res.writeHead(record.status, { 'content-type': reply.contentType ?? 'application/json' });
      res.end(reply.raw);
      return;
    }
    record.status = 200;
    sendJson(res, 200, chatCompletionBody(request, reply, `chatcmpl-${record.index}`));
  }

  async function route(req: IncomingMessage, res: ServerResponse, raw: Buffer, record: RecordedRequest): Promise<void> {
    const { method, path } = record;
    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      record.status = 401;
      sendJson(res, 401, errorBody(401, 'Incorrect API key provided', 'invalid_api_key'));
      return;
    }
    if (method === 'POST' && path === '/v1/chat/completions') return handleChat(record, res);
    if (method === 'POST' && path === '/v1/embeddings') {
      const body = record.body as { input?: string | string[]; model?: string; encoding_format?: string };
      const inputs = Array.isArray(body.input) ? body.input : [body.input ?? ''];
      const make = options.embeddings ?? ((input: string) => hashEmbedding(input));
      const data = await Promise.all(
        inputs.map(async (input, index) => {
          const vector = await make(input, body.model ?? '');
          // The SDK asks for base64 (little-endian float32) by default and decodes it itself.
          const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
          return { object: 'embedding', index, embedding };
        }),
      );
      const tokens = inputs.reduce((n, t) => n + Math.ceil(t.length / 4), 0);
      record.status = 200;
      sendJson(res, 200, { object: 'list', data, model: body.model ?? '', usage: { prompt_tokens: tokens, total_tokens: tokens } });
      return;
    }
    if (method === 'POST' && path === '/v1/files') {
      const fields = parseMultipart(raw, String(req.headers['content-type'] ?? ''));
      const fileField = fields.find((f) => f.name === 'file');
      const purpose = fields.find((f) => f.name === 'purpose')?.data.toString('utf8') ?? 'batch';
      if (!fileField) {
        record.status = 400;
        sendJson(res, 400, errorBody(400, 'missing file field'));
        return;
      }
      const file = store.addFile(fileField.filename ?? 'upload.jsonl', purpose, fileField.data.toString('utf8'));
      record.status = 200;
      sendJson(res, 200, store.fileObject(file));
      return;
    }
    const fileMatch = /^\/v1\/files\/([^/]+)(\/content)?$/.exec(path);
    if (method === 'GET' && fileMatch) {
      const file = store.files.get(decodeURIComponent(fileMatch[1] ?? ''));
      if (!file) {
        record.status = 404;
        sendJson(res, 404, errorBody(404, 'No such file'));
        return;
      }
      record.status = 200;
      if (fileMatch[2]) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(file.content);
      } else sendJson(res, 200, store.fileObject(file));
      return;
    }
    if (method === 'POST' && path === '/v1/batches') {
      const created = store.create(record.body as Parameters<BatchStore['create']>[0]);
      record.status = created.ok ? 200 : created.status;
      if (created.ok) sendJson(res, 200, created.batch);
      else sendJson(res, created.status, errorBody(created.status, created.message));
      return;
    }
    if (method === 'GET' && path === '/v1/batches') {
      record.status = 200;
      // Newest first, as the Batch API lists them.
      const data = store.list().reverse();
      sendJson(res, 200, { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: false });
      return;
    }
    const batchMatch = /^\/v1\/batches\/([^/]+)$/.exec(path);
    if (method === 'GET' && batchMatch) {
      const batch = await store.retrieve(decodeURIComponent(batchMatch[1] ?? ''));
      record.status = batch ? 200 : 404;
      if (batch) sendJson(res, 200, batch);
      else sendJson(res, 404, errorBody(404, 'No such batch'));
      return;
    }
    record.status = 404;
    sendJson(res, 404, errorBody(404, `no route for ${method} ${path}`));
  }

  const server = createServer((req, res) => {
    readBody(req).then(
      async (raw) => {
        const path = (req.url ?? '/').split('?')[0] ?? '/';
        const text = raw.toString('utf8');
        let body: unknown = text;
        if (String(req.headers['content-type'] ?? '').includes('application/json') && text.length > 0) {
          try {
            body = JSON.parse(text);
          } catch {
            body = text;
          }
        }
        const record: RecordedRequest = { index: requests.length, method: req.method ?? 'GET', path, headers: req.headers, body, receivedAt: Date.now() };
        requests.push(record);
        if (options.dropResponse?.(record)) {
          // The request is handled in full, then its reply is lost on the way back: the connection closes.
          record.dropped = true;
          res.writeHead = (() => res) as unknown as typeof res.writeHead;
          res.end = (() => {
            res.socket?.destroy();
            return res;
          }) as unknown as typeof res.end;
        }
        if (options.logFile) {
          appendFileSync(options.logFile, JSON.stringify({ index: record.index, method: record.method, path, body, receivedAt: record.receivedAt }) + '\n');
        }
        try {
          await route(req, res, raw, record);
        } catch (error) {
          record.status = 500;
          if (!res.headersSent && !res.destroyed) sendJson(res, 500, errorBody(500, `handler failed: ${(error as Error).message}`));
        }
      },
      () => res.destroy(),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    files: store.files,
    chatRequests: () =>
      requests.filter((r) => r.method === 'POST' && r.path === '/v1/chat/completions').map((r) => r.body as ServerChatRequest),
    setHandler(next) {
      handler = next;
    },
    close() {
      closed = true;
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
