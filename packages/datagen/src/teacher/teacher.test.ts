import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startOpenAIServer, type ChatHandler, type OpenAIServer } from '@vlm/testkit';
import { afterEach, describe, expect, it } from 'vitest';

import { estimateCost } from './estimate-cost';
import { createTeacher, type TeacherOptions } from './teacher';
import { TeacherError } from './teacher-error';
import type { TeacherMessage } from './types';

const servers: OpenAIServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(handler: ChatHandler, extra: Partial<TeacherOptions> = {}) {
  const server = await startOpenAIServer({ handler });
  servers.push(server);
  const waits: number[] = [];
  let slept = 0;
  const cacheDir = mkdtempSync(join(tmpdir(), 'teacher-'));
  const teacher = createTeacher({
    baseURL: server.baseURL,
    apiKey: 'sk-secret-test-key',
    model: 'gpt-4o-mini',
    cacheDir,
    backoff: { baseMs: 1, maxMs: 4 },
    clock: {
      // Fake time: only sleeping moves it, so waits are exact.
      now: () => 1_000_000 + slept,
      sleep: async (ms) => {
        waits.push(ms);
        slept += ms;
      },
    },
    env: {},
    ...extra,
  });
  return { server, teacher, waits, cacheDir };
}

const ask = (text: string): TeacherMessage[] => [
  { role: 'system', content: 'You are a teacher.' },
  { role: 'user', content: text },
];

describe('createTeacher', () => {
  it('answers, accounts tokens and cost, and serves repeats from the disk cache across instances', async () => {
    const { server, teacher, cacheDir } = await setup((_r, c) => ({ content: `A: ${c.lastUserText}`, usage: { prompt_tokens: 1000, completion_tokens: 500 } }));
    const first = await teacher.complete(ask('q1'), { temperature: 0 });
    expect(first).toMatchObject({ content: 'A: q1', cached: false, usage: { promptTokens: 1000, completionTokens: 500 } });
    // gpt-4o-mini: 1000 * 0.15 / 1e6 + 500 * 0.6 / 1e6
    expect(first.costUsd).toBeCloseTo(0.00045, 10);
    const again = await teacher.complete(ask('q1'), { temperature: 0 });
    expect(again.cached).toBe(true);
    await teacher.complete(ask('q1'), { temperature: 0.7 }); // other params: another request
    expect(server.chatRequests()).toHaveLength(2);
    expect(teacher.stats()).toMatchObject({ answered: 2, cacheHits: 1, promptTokens: 2000 });
    await teacher.close();

    const reopened = createTeacher({ baseURL: server.baseURL, apiKey: 'k', model: 'gpt-4o-mini', cacheDir, env: {} });
    expect((await reopened.complete(ask('q1'), { temperature: 0 })).content).toBe('A: q1');
    expect(server.chatRequests()).toHaveLength(2);
    await reopened.close();
    expect(readFileSync(join(cacheDir, 'responses.jsonl'), 'utf8')).not.toContain('sk-secret');
  });

  it('asks again for a rejected answer, in this run and after a reopen, and serves the accepted one from then on', async () => {
    const { server, teacher, cacheDir } = await setup((_r, c) => (c.index === 0 ? 'As an AI language model, I cannot see images.' : `A${c.index}`));
    const refused = await teacher.complete(ask('q1'));
    expect(refused.content).toMatch(/^As an AI/);
    await teacher.reject(refused.key, 'refusal');
    const answered = await teacher.complete(ask('q1'));
    expect(answered).toMatchObject({ content: 'A1', cached: false });
    expect((await teacher.complete(ask('q1'))).cached).toBe(true);
    // A second rejection, then a reopen: the rejection is on disk, so the reopened cache asks again too.
    await teacher.reject(answered.key, 'wrong format');
    await teacher.close();
    const reopened = createTeacher({ baseURL: server.baseURL, apiKey: 'k', model: 'gpt-4o-mini', cacheDir, env: {} });
    expect(await reopened.complete(ask('q1'))).toMatchObject({ content: 'A2', cached: false });
    await reopened.close();
    const again = createTeacher({ baseURL: server.baseURL, apiKey: 'k', model: 'gpt-4o-mini', cacheDir, env: {} });
    expect(await again.complete(ask('q1'))).toMatchObject({ content: 'A2', cached: true });
    await again.close();
    expect(server.chatRequests()).toHaveLength(3);
    const lines = readFileSync(join(cacheDir, 'responses.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { rejected?: string });
    expect(lines.map((l) => l.rejected ?? 'answer')).toEqual(['answer', 'refusal', 'answer', 'wrong format', 'answer']);
  });

  it('waits as long as Retry-After says after a 429, and pauses every worker', async () => {
    const { server, teacher, waits } = await setup((_r, c) => (c.attempt === 0 ? { error: { status: 429, retryAfter: 2 } } : 'ok'));
    expect((await teacher.complete(ask('x'))).content).toBe('ok');
    expect(waits).toContain(2000);
    expect(server.chatRequests()).toHaveLength(2);
    expect(teacher.stats()).toMatchObject({ retries: 1, errorsByCode: { rate_limited: 1 } });
  });

  it('waits on the real clock too (retry-after-ms)', async () => {
    const server = await startOpenAIServer({ handler: (_r, c) => (c.attempt === 0 ? { error: { status: 429, retryAfterMs: 30 } } : 'after the wait') });
    servers.push(server);
    const teacher = createTeacher({ baseURL: server.baseURL, apiKey: 'k', model: 'm', env: {} });
    expect((await teacher.complete(ask('r'))).content).toBe('after the wait');
    expect(teacher.stats().retries).toBe(1);
  });

  it('honours retry-after-ms and retries 500s with backoff', async () => {
    const { teacher, waits } = await setup((_r, c) =>
      c.attempt === 0 ? { error: { status: 429, retryAfterMs: 1500 } } : c.attempt < 3 ? { error: { status: 500 } } : 'fine',
    );
    expect((await teacher.complete(ask('y'))).content).toBe('fine');
    expect(waits[0]).toBe(1500);
    expect(waits.slice(1).every((w) => w >= 0 && w <= 4)).toBe(true);
    expect(teacher.stats().errorsByCode).toEqual({ rate_limited: 1, server_error: 2 });
  });

  it('times out a hanging request and retries it', async () => {
    const { teacher, server } = await setup((_r, c) => (c.attempt === 0 ? { hang: true } : 'late but here'), { timeoutMs: 300 });
    expect((await teacher.complete(ask('z'))).content).toBe('late but here');
    // On a loaded machine a retry can time out too; the first attempt always does.
    expect(teacher.stats().errorsByCode.timeout).toBeGreaterThanOrEqual(1);
    expect(Object.keys(teacher.stats().errorsByCode)).toEqual(['timeout']);
    expect(server.chatRequests().length).toBe(1 + teacher.stats().retries);
  });

  it('retries malformed answers (invalid JSON, missing choices)', async () => {
    const replies = [{ raw: '{"choices": [' }, { raw: '{"object": "chat.completion"}' }, 'parsed'];
    const { teacher } = await setup((_r, c) => replies[Math.min(c.attempt, 2)]!);
    expect((await teacher.complete(ask('m'))).content).toBe('parsed');
    expect(teacher.stats().errorsByCode).toEqual({ malformed_response: 2 });
  });

  it('does not retry a 400, gives up after maxRetries, and never shows the key', async () => {
    const { teacher, server } = await setup((_r, c) =>
      c.lastUserText === 'bad' ? { error: { status: 400, message: 'bad request for key sk-secret-test-key' } } : { error: { status: 503 } },
      { maxRetries: 2 },
    );
    const bad = await teacher.complete(ask('bad')).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(TeacherError);
    expect((bad as TeacherError).code).toBe('teacher_http_400');
    expect((bad as TeacherError).message).not.toContain('sk-secret-test-key');
    expect(server.chatRequests()).toHaveLength(1);
    const down = await teacher.complete(ask('down')).catch((e: unknown) => e);
    expect((down as TeacherError).code).toBe('teacher_server_error');
    expect(server.chatRequests()).toHaveLength(4);
    expect(teacher.stats().failures).toBe(2);
  });

  it('limits concurrency and sends identical in-flight requests once', async () => {
    let active = 0;
    let peak = 0;
    const { teacher, server } = await setup(
      async (_r, c) => {
        active += 1;
        peak = Math.max(peak, active);
        // Hold each request until a second one is in (or a long fallback), so overlap does not depend on timing.
        for (let waited = 0; peak < 2 && waited < 2000; waited += 5) await new Promise((r) => setTimeout(r, 5));
        await new Promise((r) => setImmediate(r));
        active -= 1;
        return c.lastUserText;
      },
      { concurrency: 3 },
    );
    const questions = Array.from({ length: 12 }, (_, i) => `q${i % 8}`);
    const answers = await Promise.all(questions.map((q) => teacher.complete(ask(q))));
    expect(answers.map((a) => a.content)).toEqual(questions);
    expect(server.chatRequests()).toHaveLength(8);
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
  });

  it('stops sending once the budget is spent', async () => {
    const { teacher, server } = await setup(() => ({ content: 'x', usage: { prompt_tokens: 1_000_000, completion_tokens: 0 } }), { budgetUsd: 0.1 });
    await teacher.complete(ask('1'));
    const refused = await teacher.complete(ask('2')).catch((e: unknown) => e);
    expect((refused as TeacherError).code).toBe('budget_exceeded');
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('needs a model and, for the OpenAI API, a key: an error naming OPENAI_API_KEY before any request', () => {
    expect(() => createTeacher({ env: {} })).toThrow(/No teacher model/);
    const missing = (() => {
      try {
        createTeacher({ model: 'gpt-4o', env: {} });
      } catch (error) {
        return error;
      }
    })();
    expect(missing).toBeInstanceOf(TeacherError);
    expect(missing).toMatchObject({ code: 'teacher_api_key_missing', message: expect.stringContaining('OPENAI_API_KEY') });
    expect((missing as TeacherError).hint).toContain('export OPENAI_API_KEY=');
    expect(() => createTeacher({ model: 'gpt-4o', env: { OPENAI_BASE_URL: 'https://api.openai.com/v1/' } })).toThrow(/OPENAI_API_KEY/);
    // offline teachers never send, so they need no key
    expect(() => createTeacher({ model: 'gpt-4o', env: {}, offline: true })).not.toThrow();
  });

  it('sends no Authorization header at all (never a made-up key) to a local server when no key is set', async () => {
    const server = await startOpenAIServer({ handler: () => 'fine' });
    servers.push(server);
    const teacher = createTeacher({ baseURL: server.baseURL, model: 'local-model', env: {} });
    expect((await teacher.complete(ask('q'))).content).toBe('fine');
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
    const keyed = createTeacher({ baseURL: server.baseURL, model: 'local-model', env: { OPENAI_API_KEY: 'sk-env' } });
    await keyed.complete(ask('other'));
    expect(server.requests[1]!.headers.authorization).toBe('Bearer sk-env');
  });

  for (const [status, message] of [
    [401, 'Incorrect API key provided: sk-wr***ong.'],
    [403, 'You are not allowed to sample from this model'],
    [404, 'The model `gpt-9` does not exist or you do not have access to it.'],
  ] as const) {
    it(`stops at the first ${status}, with the server's message, and sends nothing more`, async () => {
      const { teacher, server } = await setup(() => ({ error: { status, message } }), { concurrency: 1 });
      const errors = await Promise.all(Array.from({ length: 6 }, (_, i) => teacher.complete(ask(`q${i}`)).then(() => { throw new Error("answered"); }, (e: unknown) => e as TeacherError)));
      expect(server.chatRequests()).toHaveLength(1);
      for (const error of errors) {
        expect(error).toBeInstanceOf(TeacherError);
        expect(error).toMatchObject({ code: `teacher_http_${status}`, fatal: true, status });
        expect(error.message).toContain(message);
        expect(error.message).toContain(server.baseURL);
      }
    });
  }

  it('fails fast, naming the URL, when the server refuses connections', async () => {
    const server = await startOpenAIServer({});
    const baseURL = server.baseURL;
    await server.close(); // the port is now closed: connections are refused
    const waits: number[] = [];
    let now = 0;
    const teacher = createTeacher({ baseURL, apiKey: 'k', model: 'm', env: {}, clock: { now: () => now, sleep: async (ms) => void (waits.push(ms), (now += ms)) } });
    const errors = await Promise.all(Array.from({ length: 20 }, (_, i) => teacher.complete(ask(`q${i}`)).then(() => { throw new Error("answered"); }, (e: unknown) => e as TeacherError)));
    expect(errors[0]).toMatchObject({ code: 'teacher_unreachable', fatal: true });
    expect(errors[0]!.message).toContain(`Cannot connect to ${baseURL}`);
    expect(errors[0]!.message).toContain('ECONNREFUSED');
    expect(new Set(errors.map((e) => e.code))).toEqual(new Set(['teacher_unreachable']));
    // Three quick attempts in all (one request at a time until the server answers), not 20 x 7 with backoff up to 30 s.
    expect(teacher.stats().requestsSent).toBe(3);
    expect(now).toBe(250 + 500);
  });

  it('keeps retrying connection errors once the server has answered (a restart is not a wrong URL)', async () => {
    const { teacher, server } = await setup((_r, c) => c.lastUserText, { maxRetries: 4 });
    await teacher.complete(ask('first'));
    await server.close();
    const error = await teacher.complete(ask('second')).catch((e: unknown) => e as TeacherError);
    expect(error).toMatchObject({ code: 'teacher_connection', fatal: false });
    expect(teacher.stats().requestsSent).toBe(1 + 5);
  });

  it('never exceeds the budget with many requests in flight: each reserves its maximum cost first', async () => {
    // Each answer reports its real prompt size in bytes/4 and max_tokens completion tokens (the worst case).
    const server = await startOpenAIServer({
      handler: async (request) => {
        await new Promise((r) => setTimeout(r, 5));
        const bytes = Buffer.byteLength(JSON.stringify(request.messages));
        return { content: 'ok', usage: { prompt_tokens: Math.ceil(bytes / 4), completion_tokens: request.max_tokens ?? 0 } };
      },
    });
    servers.push(server);
    const budgetUsd = 0.02;
    const price = { inputPerMillion: 10, outputPerMillion: 40 };
    const teacher = createTeacher({ baseURL: server.baseURL, apiKey: 'k', model: 'm', price, budgetUsd, concurrency: 32, env: {} });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => teacher.complete(ask(`question number ${i} ${'x'.repeat(200)}`), { max_tokens: 20 }).then(
        () => 'ok',
        (e: TeacherError) => e.code,
      )),
    );
    const spent = teacher.stats().costUsd;
    expect(spent).toBeLessThanOrEqual(budgetUsd);
    expect(results.filter((r) => r === 'budget_exceeded').length).toBeGreaterThan(0);
    // The reservation is an upper bound, not a brake: most of the budget gets used.
    expect(spent).toBeGreaterThan(budgetUsd * 0.5);
    expect(server.chatRequests().length).toBe(results.filter((r) => r === 'ok').length);
  });
});

describe('estimateCost', () => {
  it('counts prompt tokens with the real tokenizer and skips cached requests', async () => {
    const { teacher } = await setup(() => 'answer');
    await teacher.complete(ask('already asked'));
    const estimate = await estimateCost(teacher, [{ messages: ask('already asked') }, { messages: [{ role: 'user', content: 'hello world' }], params: { max_tokens: 100 } }]);
    // "hello world" is 2 tokens in o200k_base, "user" 1; 3 per message + 3 priming.
    expect(estimate).toMatchObject({ requests: 2, cached: 1, toSend: 1, promptTokens: 9, completionTokens: 100 });
    expect(estimate.costUsd).toBeCloseTo((9 * 0.15 + 100 * 0.6) / 1e6, 12);
    const batch = await estimateCost(teacher, [{ messages: ask('new') }], { batch: true, expectedCompletionTokens: 10 });
    expect(batch.costUsd).toBeCloseTo(((batch.promptTokens * 0.15 + 10 * 0.6) / 1e6) * 0.5, 12);
  });
});
