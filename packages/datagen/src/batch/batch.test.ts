import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import OpenAI from 'openai';
import { startOpenAIServer, type OpenAIServer } from '@vlm/testkit';
import { afterEach, describe, expect, it } from 'vitest';

import { fixtureImages } from '../generation/__fixtures__/fixture-images';
import { handler as scriptedTeacher } from '../generation/__fixtures__/scripted-teacher';
import { generationFiles, runGeneration } from '../generation/run-generation';
import { readGeneratedRecords } from '../generation/write-llava-json';
import { createPromptAccepter, llavaInstructTasks } from '../jobs/llava-instruct';
import { readJsonl } from '../jsonl/jsonl-appender';
import { createTeacher } from '../teacher/teacher';
import { exportBatch } from './export-batch';
import { importBatchResults } from './import-batch';
import { readSubmissions, submitBatches } from './submit-batch';

const servers: OpenAIServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const temp = () => mkdtempSync(join(tmpdir(), 'batch-'));

describe('Batch API', () => {
  it('exports, submits, polls, imports and generates offline exactly what a live run generates', async () => {
    const server = await startOpenAIServer({ handler: scriptedTeacher, batchPollsUntilDone: 2 });
    servers.push(server);
    const images = fixtureImages(8);
    const tasks = () => llavaInstructTasks(images, { kinds: ['conversation', 'detail'] });
    const exportDir = temp();
    const cacheDir = join(temp(), 'cache');
    const teacher = createTeacher({ baseURL: server.baseURL, apiKey: 'k', model: 'gpt-4o-mini', cacheDir, env: {} });
    // one answer already cached: it is not exported again
    const [firstTask] = tasks();
    await teacher.complete(firstTask!.messages, firstTask!.params);

    const manifest = await exportBatch(teacher, tasks(), exportDir, { maxRequests: 4 });
    expect(manifest.counts).toEqual({ tasks: 16, written: 15, cached: 1, duplicates: 0 });
    expect(manifest.files.map((f) => f.requests)).toEqual([4, 4, 4, 3]);
    const line = JSON.parse(readFileSync(join(exportDir, 'batch-000.jsonl'), 'utf8').split('\n')[0]!) as { custom_id: string; url: string; body: { model: string; temperature: number } };
    expect(line).toMatchObject({ url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', temperature: 0.7 } });
    expect(line.custom_id).toMatch(/^[0-9a-f]{64}$/);

    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'k', maxRetries: 0 });
    const waits: number[] = [];
    const submitted = await submitBatches(client, exportDir, { poll: true, intervalMs: 5, sleep: async (ms) => void waits.push(ms) });
    expect(submitted.map((s) => s.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(waits).toEqual([5]);
    // submitting again does not upload anything
    const uploads = server.requests.filter((r) => r.path === '/v1/files' && r.method === 'POST').length;
    await submitBatches(client, exportDir);
    expect(server.requests.filter((r) => r.path === '/v1/files' && r.method === 'POST').length).toBe(uploads);
    expect(readSubmissions(exportDir)).toHaveLength(4);

    let imported = 0;
    for (const s of submitted) imported += (await importBatchResults(teacher, join(exportDir, s.outputFile!))).imported;
    expect(imported).toBe(15);
    await teacher.close();

    const chatBefore = server.chatRequests().length;
    const offline = createTeacher({ baseURL: server.baseURL, apiKey: 'k', model: 'gpt-4o-mini', cacheDir, offline: true, env: {} });
    const out = temp();
    const result = await runGeneration({ teacher: offline, tasks: tasks(), outDir: out, accept: createPromptAccepter({ seed: 1 }) });
    expect(result.failed).toBe(0);
    expect(result.cacheHits).toBe(16);
    expect(server.chatRequests().length).toBe(chatBefore);
    await offline.close();

    // the same job run live against a fresh cache writes the same records
    const live = createTeacher({ baseURL: server.baseURL, apiKey: 'k', model: 'gpt-4o-mini', cacheDir: join(temp(), 'c'), env: {} });
    const liveOut = temp();
    await runGeneration({ teacher: live, tasks: tasks(), outDir: liveOut, accept: createPromptAccepter({ seed: 1 }), concurrency: 1 });
    await live.close();
    const sortById = (records: Record<string, unknown>[]) => [...records].sort((a, b) => String(a.id).localeCompare(String(b.id)));
    expect(sortById(readGeneratedRecords(generationFiles(out).samples))).toEqual(sortById(readGeneratedRecords(generationFiles(liveOut).samples)));
    expect(readJsonl(generationFiles(out).rejects).length).toBe(readJsonl(generationFiles(liveOut).rejects).length);
  });

  it('splits by bytes, skips duplicate requests, and imports failures as failures', async () => {
    const server = await startOpenAIServer({ handler: (_r, c) => (/number 1$/m.test(c.lastUserText) ? { error: { status: 500 } } : 'Question:\nQ?\n===\nAnswer:\nA.') });
    servers.push(server);
    const teacher = createTeacher({ baseURL: server.baseURL, apiKey: 'k', model: 'gpt-4o-mini', cacheDir: join(temp(), 'c'), env: {} });
    const images = fixtureImages(3);
    const tasks = [...llavaInstructTasks(images, { kinds: ['conversation'] })];
    const dir = temp();
    const oneLine = Buffer.byteLength(JSON.stringify({ custom_id: 'x'.repeat(64), method: 'POST', url: '/v1/chat/completions', body: { ...tasks[0]!.params, model: 'gpt-4o-mini', messages: tasks[0]!.messages } }));
    const manifest = await exportBatch(teacher, [...tasks, { ...tasks[0]!, id: 'again' }], dir, { maxBytes: oneLine * 2 + 10 });
    expect(manifest.counts.duplicates).toBe(1);
    expect(manifest.files.length).toBe(2);
    for (const f of manifest.files) expect(f.bytes).toBeLessThanOrEqual(oneLine * 2 + 10);

    const [submission] = await submitBatches(new OpenAI({ baseURL: server.baseURL, apiKey: 'k', maxRetries: 0 }), dir, { poll: true, sleep: async () => {} });
    expect(submission!.errorFile).toBeDefined();
    const report = await importBatchResults(teacher, join(dir, submission!.errorFile!));
    expect(report).toMatchObject({ lines: 1, imported: 0, failed: { http_500: 1 } });
    await teacher.close();
  });
});
