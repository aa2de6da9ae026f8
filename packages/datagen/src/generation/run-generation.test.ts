import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { startOpenAIServer, type OpenAIServer } from '@vlm/testkit';
import { afterEach, describe, expect, it } from 'vitest';

import { createPromptAccepter, llavaInstructTasks } from '../jobs/llava-instruct';
import { llavaMedTasks } from '../jobs/llava-med';
import { readJsonl } from '../jsonl/jsonl-appender';
import { createTeacher } from '../teacher/teacher';
import { canonicalJson } from '../teacher/request-key';
import { handler as scriptedTeacher } from './__fixtures__/scripted-teacher';
import { fixtureImages } from './__fixtures__/fixture-images';
import { generationFiles, runGeneration } from './run-generation';
import { writeLlavaJson } from './write-llava-json';

const servers: OpenAIServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const repoRoot = resolve(__dirname, '../../../..');
const tempDir = () => mkdtempSync(join(tmpdir(), 'generation-'));

describe('runGeneration', () => {
  it('writes accepted records and rejects with reasons, and a rerun resumes without sending anything', async () => {
    const server = await startOpenAIServer({ handler: scriptedTeacher });
    servers.push(server);
    const out = tempDir();
    const images = fixtureImages(20);
    const run = async () => {
      const teacher = createTeacher({ baseURL: server.baseURL, apiKey: 'k', model: 'gpt-4o-mini', cacheDir: join(out, 'cache'), env: {} });
      const result = await runGeneration({ teacher, tasks: llavaInstructTasks(images, { kinds: ['conversation'] }), total: 20, outDir: out, accept: createPromptAccepter({ seed: 3 }) });
      await teacher.close();
      return result;
    };
    const first = await run();
    // leaky: i % 5 == 4 (4 images); garbled: i % 7 == 6 and not leaky (6, 13); 14 clean or dup
    expect(first).toMatchObject({ accepted: 14, rejected: 6, failed: 0, resumed: 0, rejectReasons: { all_turns_dropped: 4, unrecognised_format: 2 } });
    expect(server.chatRequests()).toHaveLength(20);

    const records = writeLlavaJson(generationFiles(out).samples, join(out, 'llava.json'));
    expect(records).toHaveLength(14);
    const dupRecord = records.find((r) => r.id === '1005-conversation')!;
    expect(dupRecord.conversations).toHaveLength(4); // the repeated question was removed
    expect(records[0]).toMatchObject({ prompt_id: 'llava/conversation', prompt_version: '1', teacher_model: 'gpt-4o-mini', image: 'images/1000.png', kind: 'conversation' });
    const firstTurns = records.map((r) => r.conversations[0]!.value);
    expect(firstTurns.some((v) => v.startsWith('<image>\n'))).toBe(true);
    expect(firstTurns.some((v) => v.endsWith('\n<image>'))).toBe(true);
    const rejects = readJsonl(generationFiles(out).rejects) as Array<{ taskId: string; reason: string; content: string }>;
    expect(rejects.find((r) => r.taskId === '1004-conversation')).toMatchObject({ reason: 'all_turns_dropped', content: expect.stringContaining('caption') });

    const second = await run();
    expect(second).toMatchObject({ resumed: 20, accepted: 0, rejected: 0 });
    expect(server.chatRequests()).toHaveLength(20);
  });

  it('replays cached answers when the outputs were lost, and records failures for the next run', async () => {
    const server = await startOpenAIServer({ handler: (_r, c) => (c.lastUserText.includes('number 2') ? { error: { status: 400 } } : scriptedTeacher(_r, c)) });
    servers.push(server);
    const cacheDir = join(tempDir(), 'cache');
    const images = fixtureImages(4);
    const teacher = createTeacher({ baseURL: server.baseURL, apiKey: 'k', model: 'm', cacheDir, env: {} });
    const first = await runGeneration({ teacher, tasks: llavaInstructTasks(images, { kinds: ['conversation'] }), outDir: tempDir(), accept: createPromptAccepter() });
    expect(first).toMatchObject({ accepted: 3, failed: 1 });
    const otherOut = tempDir();
    const again = await runGeneration({ teacher, tasks: llavaInstructTasks(images, { kinds: ['conversation'] }), outDir: otherOut, accept: createPromptAccepter() });
    expect(again).toMatchObject({ accepted: 3, failed: 1, cacheHits: 3 });
    expect(readJsonl(generationFiles(otherOut).failures)).toEqual([expect.objectContaining({ taskId: '1002-conversation', code: 'teacher_http_400' })]);
    await teacher.close();
  });

  it('stops at the budget without losing work, and a rerun with more budget finishes the job', async () => {
    const server = await startOpenAIServer({ handler: (r, c) => {
      const reply = scriptedTeacher(r, c);
      return { content: typeof reply === 'string' ? reply : '', usage: { prompt_tokens: 100_000, completion_tokens: 0 } };
    } });
    servers.push(server);
    const out = tempDir();
    const images = fixtureImages(10);
    const run = async (budgetUsd: number) => {
      const teacher = createTeacher({ baseURL: server.baseURL, apiKey: 'k', model: 'gpt-4o-mini', cacheDir: join(out, 'cache'), budgetUsd, concurrency: 1, env: {} });
      const result = await runGeneration({ teacher, tasks: llavaInstructTasks(images, { kinds: ['conversation'] }), outDir: out, concurrency: 1, accept: createPromptAccepter() });
      await teacher.close();
      return result;
    };
    // $0.015 per request at gpt-4o-mini prices: the third request crosses $0.04
    const first = await run(0.04);
    expect(first.stoppedBy).toMatch(/budget/);
    expect(first.accepted + first.rejected).toBe(3);
    expect(server.chatRequests()).toHaveLength(3);
    const second = await run(1);
    expect(second.resumed).toBe(3);
    expect(second.stoppedBy).toBeUndefined();
    expect(second.accepted + second.rejected).toBe(7);
    expect(server.chatRequests()).toHaveLength(10);
  });

  it('rejects an answer cut off at max_tokens as truncated for every job, never as a sample', async () => {
    // Every other answer is cut mid-sentence with finish_reason "length"; the text alone parses fine.
    const server = await startOpenAIServer({
      handler: (request, context) => {
        const system = String(request.messages[0]?.content ?? '');
        const text = system.includes('describe the image in detail') || system.includes('detailed description')
          ? 'The image shows a red square on a white background, and the people need to'
          : system.includes('User:') || /biomedical|LLaVA-Med|figure/i.test(system)
            ? 'User: What does the figure show?\nAssistant: A lymph node with the people need to'
            : 'Question:\nWhat is shown?\n===\nAnswer:\nA square.\n===\nQuestion:\nWhy?\n===\nAnswer:\nThe people need to';
        return context.index % 2 === 0 ? { content: text, finishReason: 'length' } : text.replace(/ the people need to$/, '.').replace(/The people need to$/, 'Because it is red.');
      },
    });
    servers.push(server);
    const out = tempDir();
    const teacher = createTeacher({ baseURL: server.baseURL, apiKey: 'k', model: 'm', cacheDir: join(out, 'cache'), concurrency: 1, env: {} });
    const tasks = [
      ...llavaInstructTasks(fixtureImages(4).filter((_, i) => i < 4), { kinds: ['conversation', 'detail', 'complex'] }),
      ...llavaMedTasks([1, 2].map((i) => ({ id: `fig${i}`, image: `f${i}.jpg`, caption: `Histology of a lymph node ${i}.`, mentions: [] }))),
    ];
    const result = await runGeneration({ teacher, tasks, outDir: out, concurrency: 1, accept: createPromptAccepter() });
    await teacher.close();
    const rejects = readJsonl(generationFiles(out).rejects) as Array<{ taskId: string; reason: string }>;
    const truncatedIds = rejects.filter((r) => r.reason === 'truncated').map((r) => r.taskId);
    // concurrency 1: request i is task i, so every even task was cut
    expect(truncatedIds.sort()).toEqual(tasks.filter((_, i) => i % 2 === 0).map((t) => t.id).sort());
    expect(new Set(truncatedIds.map((id) => id.replace(/^\d+-/, '')))).toEqual(new Set(['conversation', 'detail', 'complex', 'fig1']));
    expect(result.rejectReasons.truncated).toBe(7);
    const samples = readJsonl(generationFiles(out).samples) as Array<{ taskId: string }>;
    for (const s of samples) expect(truncatedIds).not.toContain(s.taskId);
    expect(JSON.stringify(samples)).not.toContain('need to');
  });

  it('stops at once on a failure every request would repeat (401), keeping what was accepted', async () => {
    let answered = 0;
    const server = await startOpenAIServer({
      handler: (request, context) => (answered++ < 3 ? scriptedTeacher(request, context) : { error: { status: 401, message: 'Incorrect API key provided: sk-ab***cd.', type: 'invalid_api_key' } }),
    });
    servers.push(server);
    const out = tempDir();
    const teacher = createTeacher({ baseURL: server.baseURL, apiKey: 'k', model: 'gpt-4o-mini', cacheDir: join(out, 'cache'), concurrency: 1, env: {} });
    const result = await runGeneration({ teacher, tasks: llavaInstructTasks(fixtureImages(20), { kinds: ['conversation'] }), outDir: out, accept: createPromptAccepter() });
    await teacher.close();
    expect(server.chatRequests()).toHaveLength(4);
    expect(result).toMatchObject({ accepted: 3, failed: 0, stopCode: 'teacher_http_401' });
    expect(result.stoppedBy).toContain('Incorrect API key provided');
    expect(readJsonl(generationFiles(out).samples)).toHaveLength(3);
    // the task that hit the 401 is not marked done: the rerun with a good key does it
    expect(readJsonl(generationFiles(out).failures)).toHaveLength(0);
  });

  it('stops taking tasks when accept throws, keeping what was written, and rethrows', async () => {
    const server = await startOpenAIServer({ handler: scriptedTeacher });
    servers.push(server);
    const out = tempDir();
    const teacher = createTeacher({ baseURL: server.baseURL, apiKey: 'k', model: 'm', cacheDir: join(out, 'cache'), concurrency: 1, env: {} });
    const accept = createPromptAccepter();
    let calls = 0;
    const run = runGeneration({
      teacher,
      tasks: llavaInstructTasks(fixtureImages(10), { kinds: ['conversation'] }),
      outDir: out,
      concurrency: 1,
      accept: (task, response) => {
        if (++calls === 3) throw new Error('accept bug');
        return accept(task, response);
      },
    });
    await expect(run).rejects.toThrow('accept bug');
    expect(server.chatRequests()).toHaveLength(3);
    expect(readJsonl(generationFiles(out).samples)).toHaveLength(2);
    await teacher.close();
  });

  it('survives SIGKILL mid-run: no answered request is sent again and every accepted sample is written once', async () => {
    const answeredBeforeKill = 9;
    const server = await startOpenAIServer({
      // Phase 1: answer the first requests, then hang the rest so the run is in flight when killed.
      handler: (request, context) => (context.index < answeredBeforeKill ? scriptedTeacher(request, context) : { hang: true }),
    });
    servers.push(server);
    const out = tempDir();
    const cacheDir = join(out, 'cache');
    const total = 30;
    const child = (args: string[]) =>
      spawn(process.execPath, ['--conditions=@vlm/source', '--import', 'tsx', resolve(__dirname, '__fixtures__/generate-child.ts'), ...args], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const args = [server.baseURL, out, cacheDir, String(total)];

    const first = child(args);
    const cacheFile = join(cacheDir, 'responses.jsonl');
    // Wait until every answered request is in the cache, with more requests in flight.
    for (;;) {
      const cached = existsSync(cacheFile) ? readFileSync(cacheFile, 'utf8').split('\n').filter(Boolean).length : 0;
      const inFlight = server.chatRequests().length - answeredBeforeKill;
      if (cached === answeredBeforeKill && inFlight >= 2) break;
      if (first.exitCode !== null) throw new Error(`child exited early with ${first.exitCode}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const phase1 = server.requests.filter((r) => r.path === '/v1/chat/completions');
    const answered = new Set(phase1.filter((r) => r.status === 200).map((r) => canonicalJson(r.body)));
    expect(answered.size).toBe(answeredBeforeKill);

    server.setHandler(scriptedTeacher);
    const second = child(args);
    let stdout = '';
    let stderr = '';
    second.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    second.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((r) => second.once('exit', r));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as { accepted: number; rejected: number; resumed: number; cacheHits: number };

    const sent = server.chatRequests().map((body) => canonicalJson(body));
    for (const body of answered) expect(sent.filter((s) => s === body)).toHaveLength(1);
    // Each task answered exactly once overall (hung requests were never answered before the kill).
    expect(new Set(sent).size).toBe(total);

    const files = generationFiles(out);
    const done = [...readJsonl(files.samples), ...readJsonl(files.rejects)].map((l) => (l as { taskId: string }).taskId);
    expect(done).toHaveLength(total);
    expect(new Set(done).size).toBe(total);
    const records = writeLlavaJson(files.samples, join(out, 'llava.json'));
    expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
    expect(records.length).toBe(readJsonl(files.samples).length);
    expect(summary.resumed + summary.accepted + summary.rejected).toBe(total);
  });
});
