import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
import { batchInputHashKey, readSubmissions, submitBatches } from './submit-batch';
import { fileSha256 } from './file-sha256';

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
    expect(manifest.counts).toEqual({ tasks: 16, written: 15, cached: 1, duplicates: 0, pending: 0 });
    expect(manifest.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256) && f.round === 1)).toBe(true);
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

  it('finds the batch it created after the reply to batches.create was lost, instead of paying twice', async () => {
    const server = await startOpenAIServer({ handler: scriptedTeacher, dropResponse: (r) => r.method === 'POST' && r.path === '/v1/batches' && !server.requests.slice(0, r.index).some((p) => p.path === '/v1/batches' && p.method === 'POST') });
    servers.push(server);
    const teacher = createTeacher({ baseURL: server.baseURL, apiKey: 'k', model: 'gpt-4o-mini', cacheDir: join(temp(), 'c'), env: {} });
    const dir = temp();
    await exportBatch(teacher, llavaInstructTasks(fixtureImages(3), { kinds: ['conversation'] }), dir);
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'k', maxRetries: 0 });
    // The run "crashes": batches.create reached the API, its reply never came back.
    await expect(submitBatches(client, dir)).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
    const creates = () => server.requests.filter((r) => r.method === 'POST' && r.path === '/v1/batches');
    expect(creates()).toHaveLength(1);
    expect(creates()[0]!.dropped).toBe(true);
    // The intent was on disk before the call.
    expect(readSubmissions(dir)).toEqual([expect.objectContaining({ file: 'batch-000.jsonl', status: 'creating', sha256: fileSha256(join(dir, 'batch-000.jsonl')) })]);
    expect(readSubmissions(dir)[0]!.batchId).toBeUndefined();

    const [found] = await submitBatches(client, dir, { poll: true, sleep: async () => {} });
    expect(creates()).toHaveLength(1); // looked up with batches.list, not created again
    expect(server.requests.some((r) => r.method === 'GET' && r.path === '/v1/batches')).toBe(true);
    expect(found).toMatchObject({ batchId: 'batch_2', status: 'completed', outputFile: 'batch-000.output.jsonl' });
    const created = creates()[0]!.body as { metadata: Record<string, string> };
    expect(created.metadata[batchInputHashKey]).toBe(found!.sha256);
    await teacher.close();
  });

  it('gives a second export round new file names, and submit goes by content hash, not by name', async () => {
    const server = await startOpenAIServer({ handler: scriptedTeacher });
    servers.push(server);
    const cacheDir = join(temp(), 'c');
    const teacher = createTeacher({ baseURL: server.baseURL, apiKey: 'k', model: 'gpt-4o-mini', cacheDir, env: {} });
    const dir = temp();
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'k', maxRetries: 0 });
    const images = fixtureImages(10);
    const round1 = await exportBatch(teacher, llavaInstructTasks(images.slice(0, 4), { kinds: ['conversation'] }), dir, { maxRequests: 3 });
    expect(round1.files.map((f) => f.file)).toEqual(['batch-000.jsonl', 'batch-001.jsonl']);
    const first = readFileSync(join(dir, 'batch-000.jsonl'), 'utf8');

    // Exported again before anything was submitted: the 4 requests are pending in round 1, not repeated.
    const again = await exportBatch(teacher, llavaInstructTasks(images.slice(0, 4), { kinds: ['conversation'] }), dir);
    expect(again.counts).toMatchObject({ written: 0, pending: 4 });

    const submitted = await submitBatches(client, dir, { poll: true, sleep: async () => {} });
    expect(submitted).toHaveLength(2);
    for (const s of submitted) await importBatchResults(teacher, join(dir, s.outputFile!));

    // Round 3 covers more images: only the 6 new requests, in files with new names; round 1 is untouched.
    const round3 = await exportBatch(teacher, llavaInstructTasks(images, { kinds: ['conversation'] }), dir);
    expect(round3.rounds).toBe(3);
    expect(round3.counts).toMatchObject({ tasks: 10, cached: 4, written: 6, pending: 0 });
    expect(round3.files.map((f) => [f.file, f.round])).toEqual([['batch-000.jsonl', 1], ['batch-001.jsonl', 1], ['batch-002.jsonl', 3]]);
    expect(readFileSync(join(dir, 'batch-000.jsonl'), 'utf8')).toBe(first);
    const after = await submitBatches(client, dir, { poll: true, sleep: async () => {} });
    expect(after).toHaveLength(3);
    expect(server.requests.filter((r) => r.method === 'POST' && r.path === '/v1/batches')).toHaveLength(3);
    await importBatchResults(teacher, join(dir, after[2]!.outputFile!));
    const [task] = llavaInstructTasks([images[9]!], { kinds: ['conversation'] });
    expect(teacher.lookup(task!.messages, task!.params)).toBeDefined();

    // A file rewritten under a name that was already sent (what an old export did) is sent again: its content is new.
    const [extra] = llavaInstructTasks([{ ...images[0]!, id: 'x', captions: ['A different caption entirely'] }], { kinds: ['conversation'] });
    writeFileSync(join(dir, 'batch-000.jsonl'), JSON.stringify({ custom_id: teacher.key(extra!.messages, extra!.params), method: 'POST', url: '/v1/chat/completions', body: { ...extra!.params, model: 'gpt-4o-mini', messages: extra!.messages } }) + '\n');
    const resent = await submitBatches(client, dir);
    expect(resent).toHaveLength(4);
    expect(resent[3]).toMatchObject({ file: 'batch-000.jsonl', sha256: fileSha256(join(dir, 'batch-000.jsonl')) });
    expect(server.requests.filter((r) => r.method === 'POST' && r.path === '/v1/batches')).toHaveLength(4);
    expect(existsSync(join(dir, 'batch-003.jsonl'))).toBe(false);
    await teacher.close();
  });

  it('rejects a truncated Batch answer (finish_reason "length") as truncated on import, never as a sample', async () => {
    const server = await startOpenAIServer({
      handler: (request, context) => {
        const reply = scriptedTeacher(request, context) as string;
        return /number [02]$/m.test(context.lastUserText.split('\n')[0]!) ? { content: reply.slice(0, -12), finishReason: 'length' } : reply;
      },
    });
    servers.push(server);
    const cacheDir = join(temp(), 'c');
    const teacher = createTeacher({ baseURL: server.baseURL, apiKey: 'k', model: 'gpt-4o-mini', cacheDir, env: {} });
    const dir = temp();
    const tasks = () => llavaInstructTasks(fixtureImages(4), { kinds: ['conversation'] });
    await exportBatch(teacher, tasks(), dir);
    const [s] = await submitBatches(new OpenAI({ baseURL: server.baseURL, apiKey: 'k', maxRetries: 0 }), dir, { poll: true, sleep: async () => {} });
    expect((await importBatchResults(teacher, join(dir, s!.outputFile!))).imported).toBe(4);
    await teacher.close();
    const offline = createTeacher({ model: 'gpt-4o-mini', cacheDir, offline: true, env: {} });
    const out = temp();
    const result = await runGeneration({ teacher: offline, tasks: tasks(), outDir: out, accept: createPromptAccepter() });
    await offline.close();
    expect(result).toMatchObject({ accepted: 2, rejectReasons: { truncated: 2 } });
    const rejected = readJsonl(generationFiles(out).rejects) as Array<{ taskId: string; reason: string }>;
    expect(rejected.map((r) => [r.taskId, r.reason]).sort()).toEqual([['1000-conversation', 'truncated'], ['1002-conversation', 'truncated']]);
  });
});
