import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

import OpenAI, { toFile } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';

import { startOpenAIServer } from './server';
import type { OpenAIServer } from './types';

const servers: OpenAIServer[] = [];
async function start(options: Parameters<typeof startOpenAIServer>[0] = {}) {
  const server = await startOpenAIServer(options);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function client(server: OpenAIServer, extra: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}) {
  return new OpenAI({ baseURL: server.baseURL, apiKey: 'sk-test', maxRetries: 0, ...extra });
}

describe('startOpenAIServer', () => {
  it('answers chat completions from the handler and records every request', async () => {
    const server = await start({ handler: (req, ctx) => `you said: ${ctx.lastUserText} (${req.model}, #${ctx.index})` });
    const openai = client(server);
    const res = await openai.chat.completions.create({ model: 'teacher-1', messages: [{ role: 'user', content: 'hello' }] });
    expect(res.choices[0]?.message.content).toBe('you said: hello (teacher-1, #0)');
    expect(res.usage?.total_tokens).toBeGreaterThan(0);
    expect(server.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(server.chatRequests()).toHaveLength(1);
    expect(server.chatRequests()[0]?.messages[0]?.content).toBe('hello');
    expect(server.requests[0]?.status).toBe(200);
  });

  it('answers 429 with Retry-After and 500, and counts attempts of identical bodies', async () => {
    const server = await start({
      handler: (_req, ctx) =>
        ctx.attempt === 0 ? { error: { status: 429, retryAfter: 7 } } : ctx.attempt === 1 ? { error: { status: 500 } } : 'finally',
    });
    const body = { model: 'm', messages: [{ role: 'user', content: 'q' }] };
    const first = await fetch(`${server.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('7');
    const second = await fetch(`${server.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(second.status).toBe(500);
    const error = await client(server)
      .chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'other' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const ok = await client(server).chat.completions.create(body as never);
    expect(ok.choices[0]?.message.content).toBe('finally');
  });

  it('hangs until the client times out, and close() ends hanging connections', async () => {
    const server = await start({ handler: () => ({ hang: true }) });
    const error = await client(server, { timeout: 150 })
      .chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'q' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(server.requests[0]?.status).toBeUndefined();
  });

  it('returns raw malformed bodies', async () => {
    const server = await start({ handler: () => ({ raw: '{"choices": [', status: 200 }) });
    const res = await fetch(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [] }),
    });
    expect(await res.text()).toBe('{"choices": [');
  });

  it('serves deterministic embeddings', async () => {
    const server = await start();
    const res = await client(server).embeddings.create({ model: 'e', input: ['a', 'b', 'a'] });
    expect(res.data).toHaveLength(3);
    expect(res.data[0]?.embedding).toEqual(res.data[2]?.embedding);
    expect(res.data[0]?.embedding).not.toEqual(res.data[1]?.embedding);
  });

  it('runs the Files + Batches flow the SDK uses', async () => {
    const server = await start({ handler: (_r, ctx) => (ctx.lastUserText === 'bad' ? { error: { status: 400, message: 'nope' } } : ctx.lastUserText.toUpperCase()), batchPollsUntilDone: 2 });
    const openai = client(server);
    const lines = ['one', 'bad', 'two'].map((q, i) =>
      JSON.stringify({ custom_id: `r${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: q }] } }),
    );
    const file = await openai.files.create({ file: await toFile(Buffer.from(lines.join('\n') + '\n'), 'in.jsonl'), purpose: 'batch' });
    expect(server.files.get(file.id)?.content).toBe(lines.join('\n') + '\n');
    const batch = await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    expect((await openai.batches.retrieve(batch.id)).status).toBe('in_progress');
    const done = await openai.batches.retrieve(batch.id);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 3, completed: 2, failed: 1 });
    const output = await (await openai.files.content(done.output_file_id!)).text();
    const parsed = output.trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string; response: { body: { choices: { message: { content: string } }[] } } });
    expect(parsed.map((p) => [p.custom_id, p.response.body.choices[0]?.message.content])).toEqual([
      ['r0', 'ONE'],
      ['r2', 'TWO'],
    ]);
    const errors = await (await openai.files.content(done.error_file_id!)).text();
    expect(JSON.parse(errors.trim()) as unknown).toMatchObject({ custom_id: 'r1', response: { status_code: 400 } });
  });

  it('drops the reply to a chosen request after handling it (a lost response), and lists batches newest first', async () => {
    const server = await start({ dropResponse: (r) => r.method === 'POST' && r.path === '/v1/batches' && r.index === 1 });
    const openai = client(server);
    const file = await openai.files.create({ file: await toFile(Buffer.from('{}\n'), 'in.jsonl'), purpose: 'batch' });
    const lost = await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { k: 'first' } }).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(server.requests[1]).toMatchObject({ dropped: true, status: 200 });
    await openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { k: 'second' } });
    const listed = [];
    for await (const b of openai.batches.list()) listed.push(b.metadata?.k);
    expect(listed).toEqual(['second', 'first']);
  });

  it('rejects requests without the configured key', async () => {
    const server = await start({ apiKey: 'sk-right' });
    const error = await client(server).chat.completions.create({ model: 'm', messages: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('runs in a child process with a handler module and a request log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'testkit-'));
    const log = join(dir, 'requests.jsonl');
    const handlerPath = resolve(__dirname, '__fixtures__/shout-handler.ts');
    const script = resolve(__dirname, '../bin/serve.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script, '--handler', handlerPath, '--log', log], {
      cwd: resolve(__dirname, '../../../..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const firstLine = await new Promise<string>((done, fail) => {
        createInterface({ input: child.stdout! }).once('line', done);
        child.once('exit', (code) => fail(new Error(`server exited with ${code}`)));
      });
      const { baseURL } = JSON.parse(firstLine) as { baseURL: string };
      const res = await new OpenAI({ baseURL, apiKey: 'x', maxRetries: 0 }).chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'quiet' }],
      });
      expect(res.choices[0]?.message.content).toBe('QUIET!');
      const logged = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { path: string });
      expect(logged.map((l) => l.path)).toEqual(['/v1/chat/completions']);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
