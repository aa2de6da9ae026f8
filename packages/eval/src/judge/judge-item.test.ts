import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTeacher } from '@vlm/datagen';
import { startOpenAIServer } from '@vlm/testkit';
import { describe, expect, it } from 'vitest';
import type { ChatFn, TextChatMessage } from '../chat/chat-fn';
import { teacherChat } from '../chat/teacher-chat';
import { judgeItem, type JudgeMessagesBuilder } from './judge-item';
import { orderBias } from './order-bias';
import { summarizeJudge } from './summarize-judge';
import type { JudgeRecord } from './judge-record';

const build: JudgeMessagesBuilder = ({ context, question, answer1, answer2 }) => [
  { role: 'system', content: 'judge' },
  { role: 'user', content: `${context}|${question}|A1=${answer1}|A2=${answer2}` },
];

/** A chat function that replays scripted outputs and records what it was sent. */
function scripted(outputs: string[]): { chat: ChatFn; calls: TextChatMessage[][] } {
  const calls: TextChatMessage[][] = [];
  const chat: ChatFn = async (messages, options) => {
    calls.push([...messages]);
    const text = outputs[calls.length - 1];
    if (text === undefined) throw new Error('no more scripted outputs');
    return { text, model: `${options.model}-0613` };
  };
  return { chat, calls };
}

const input = { id: 'q1', category: 'conv', context: 'a cat', question: 'What?', reference: 'REF', answer: 'MODEL' };

describe('judgeItem', () => {
  it('maps a well-formed output to reference/model scores and records the judge version', async () => {
    const { chat, calls } = scripted(['8 6\nexplanation']);
    const r = await judgeItem(input, 'reference-first', { chat, buildMessages: build, model: 'gpt-4' });
    expect(r).toMatchObject({ status: 'ok', scores: { reference: 8, model: 6 }, judgeModel: 'gpt-4', judgeVersion: 'gpt-4-0613' });
    expect(r.attempts).toEqual([{ raw: '8 6\nexplanation', ok: true, judgeVersion: 'gpt-4-0613' }]);
    expect(calls[0]?.[1]?.content).toBe('a cat|What?|A1=REF|A2=MODEL');
  });

  it('swaps the assistants in the second pass and maps the scores back', async () => {
    const { chat, calls } = scripted(['7 9\nmodel first']);
    const r = await judgeItem(input, 'model-first', { chat, buildMessages: build, model: 'gpt-4' });
    expect(calls[0]?.[1]?.content).toBe('a cat|What?|A1=MODEL|A2=REF');
    expect(r.scores).toEqual({ reference: 9, model: 7 });
  });

  it('retries with a correction after prose before the scores, keeping every raw output', async () => {
    const { chat, calls } = scripted(['Let me evaluate.\n8 6', '8, 5\nok']);
    const r = await judgeItem(input, 'reference-first', { chat, buildMessages: build, model: 'gpt-4' });
    expect(r.status).toBe('ok');
    expect(r.scores).toEqual({ reference: 8, model: 5 });
    expect(r.attempts.map((a) => a.ok)).toEqual([false, true]);
    expect(r.attempts[0]?.raw).toBe('Let me evaluate.\n8 6');
    expect(calls[1]).toHaveLength(4);
    expect(calls[1]?.[2]).toEqual({ role: 'assistant', content: 'Let me evaluate.\n8 6' });
    expect(calls[1]?.[3]?.content).toMatch(/first line must contain only the two scores/);
  });

  it('gives up after maxAttempts and records a failure without scores', async () => {
    const { chat } = scripted(['9', 'Score: 9', '9\n']);
    const r = await judgeItem(input, 'reference-first', { chat, buildMessages: build, model: 'gpt-4', maxAttempts: 3 });
    expect(r.status).toBe('failed');
    expect(r.scores).toBeUndefined();
    expect(r.attempts).toHaveLength(3);
    expect(r.failureReason).toMatch(/after 3 attempt\(s\); last: first line holds one score/);
  });
});

describe('judgeItem with the cached teacher against a local OpenAI-compatible server', () => {
  it('sends every retry of an unreadable reply to the judge, even when the judge repeats itself', async () => {
    // A judge that always puts prose before the scores: every attempt is unreadable, and identical.
    const server = await startOpenAIServer({ handler: () => 'Let me evaluate both.\n8 6' });
    const teacher = createTeacher({ baseURL: server.baseURL, apiKey: 'k', model: 'gpt-4', cacheDir: mkdtempSync(join(tmpdir(), 'judge-cache-')), env: {} });
    try {
      const r = await judgeItem(input, 'reference-first', { chat: teacherChat(teacher), buildMessages: build, model: 'gpt-4', maxAttempts: 3 });
      const calls = server.requests.filter((q) => q.path === '/v1/chat/completions');
      expect(r.status).toBe('failed');
      expect(r.attempts).toHaveLength(3);
      expect(calls).toHaveLength(3); // three attempts, three calls: none answered from the cache
      expect(teacher.stats()).toMatchObject({ requestsSent: 3, cacheHits: 0 });
      const corrections = calls.slice(1).map((q) => JSON.stringify((q.body as { messages: unknown[] }).messages.at(-1)));
      expect(corrections[0]).toContain('attempt 2 of 3');
      expect(corrections[1]).toContain('attempt 3 of 3');
    } finally {
      await teacher.close();
      await server.close();
    }
  });
});

describe('summarizeJudge and orderBias', () => {
  const rec = (id: string, category: string, order: JudgeRecord['order'], scores?: { reference: number; model: number }): JudgeRecord => ({
    id,
    category,
    order,
    judgeModel: 'gpt-4',
    judgeVersion: 'gpt-4-0613',
    status: scores ? 'ok' : 'failed',
    ...(scores ? { scores } : { failureReason: 'no parseable scores' }),
    attempts: [{ raw: scores ? `${scores.reference} ${scores.model}` : 'x', ok: !!scores, judgeVersion: 'gpt-4-0613' }],
  });

  it('counts failures, excludes them from the scores and measures order bias', () => {
    const records = [
      rec('1', 'conv', 'reference-first', { reference: 8, model: 6 }),
      rec('2', 'conv', 'reference-first', { reference: 10, model: 4 }),
      rec('3', 'detail', 'reference-first'),
      // swapped pass: model as Assistant 1
      rec('1', 'conv', 'model-first', { reference: 7, model: 7 }), // first-position advantage ((8-7)+(7-6))/2 = 1, flip (ref>model -> tie)
      rec('2', 'conv', 'model-first', { reference: 10, model: 4 }), // advantage 0, no flip
    ];
    const s = summarizeJudge(records);
    expect(s.judge).toEqual({ models: ['gpt-4'], versions: ['gpt-4-0613'] });
    const first = s.passes[0]!;
    expect(first).toMatchObject({ order: 'reference-first', total: 3, ok: 2, failed: 1, failedByCategory: { detail: 1 } });
    expect(first.scores?.overall).toMatchObject({ n: 2, ratioOfMeans: 55.6, meanOfRatios: 57.5 });
    expect(first.scores?.categories.detail).toBeUndefined();
    expect(s.failures).toEqual([{ id: '3', order: 'reference-first', reason: 'no parseable scores' }]);
    expect(orderBias(records)).toEqual({ pairs: 2, meanFirstPositionAdvantage: 0.5, preferenceFlips: 1, flipRate: 0.5 });
  });
});
