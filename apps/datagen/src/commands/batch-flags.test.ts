// Every flag of `vlm-datagen batch export|submit|import` reaches what it configures, against the test server.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startOpenAIServer, type ChatHandler, type OpenAIServer } from '@vlm/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runInProcess as vlmDatagen } from '../testing/run-in-process';

const answer: ChatHandler = (request, context) => {
  const system = String(request.messages[0]?.content ?? '');
  if (system.includes('describe the image in detail')) return 'The image shows a few shapes on a plain background.';
  return `Question:\nWhat shapes are visible?\n===\nAnswer:\n${context.lastUserText.split('\n')[0]}\n===\nQuestion:\nWhat is the background?\n===\nAnswer:\nA plain background.`;
};

let server: OpenAIServer;
let dir: string;
let captions: string;
beforeAll(async () => {
  server = await startOpenAIServer({ handler: answer, batchPollsUntilDone: 2 });
  dir = await mkdtemp(join(tmpdir(), 'vlm-datagen-batch-flags-'));
  const scenes = join(dir, 'scenes');
  expect((await vlmDatagen(['generate', 'scenes', '--count', '6', '--size', '32', '--seed', '9', '--out-dir', scenes])).code).toBe(0);
  captions = join(scenes, 'captions.json');
});
afterAll(() => server.close());

let runs = 0;
const fresh = () => join(dir, `run-${runs++}`);
const job = (limit: number, kinds = 'conversation') => ['llava', '--captions', captions, '--kinds', kinds, '--limit', String(limit), '--model', 'gpt-4o-mini'];
const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { body: { max_tokens?: number; model: string } });

describe('vlm-datagen batch: every flag reaches its consumer', () => {
  it('export --batch-dir, --max-requests, --limit, --kinds, --max-tokens, --model', async () => {
    const out = fresh();
    const batchDir = join(dir, 'custom-batch');
    const r = await vlmDatagen(['batch', 'export', ...job(5, 'conversation,detail'), '--max-tokens', '99', '--out-dir', out, '--batch-dir', batchDir, '--max-requests', '4']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('round 1: exported 10 requests in 3 file(s) (batch-000.jsonl, batch-001.jsonl, batch-002.jsonl)');
    expect(existsSync(join(out, 'batch'))).toBe(false);
    const all = readdirSync(batchDir).filter((f) => /^batch-\d+\.jsonl$/.test(f)).flatMap((f) => lines(join(batchDir, f)));
    expect(all).toHaveLength(10);
    expect(all.every((l) => l.body.max_tokens === 99 && l.body.model === 'gpt-4o-mini')).toBe(true);
  });

  it('export --max-bytes splits by size; a second export is a new round with new names', async () => {
    const out = fresh();
    const first = await vlmDatagen(['batch', 'export', ...job(2), '--out-dir', out]);
    const oneFile = readFileSync(join(out, 'batch', 'batch-000.jsonl'));
    expect(first.stdout).toContain('exported 2 requests in 1 file(s)');
    // Room for one request per file (the requests are of similar size).
    const longest = Math.max(...oneFile.toString('utf8').trim().split('\n').map((l) => Buffer.byteLength(l) + 1));
    const split = await vlmDatagen(['batch', 'export', ...job(4), '--out-dir', out, '--max-bytes', String(Math.ceil(longest * 1.5))]);
    expect(split.stdout).toContain('round 2: exported 2 requests in 2 file(s) (batch-001.jsonl, batch-002.jsonl)');
    expect(split.stdout).toContain('2 waiting in earlier rounds');
    expect(readFileSync(join(out, 'batch', 'batch-000.jsonl')).equals(oneFile)).toBe(true);
  });

  it('export --cache: requests the cache answers are not exported', async () => {
    const out = fresh();
    const cache = join(dir, 'batch-cache');
    expect((await vlmDatagen(['generate', ...job(2), '--out-dir', fresh(), '--cache', cache, '--base-url', server.baseURL, '--api-key', 'k'])).code).toBe(0);
    const r = await vlmDatagen(['batch', 'export', ...job(3), '--out-dir', out, '--cache', cache]);
    expect(r.stdout).toContain('exported 1 requests in 1 file(s)');
    expect(r.stdout).toContain('2 already cached');
  });

  it('submit --base-url, --api-key, --poll, --interval; import --out, --dedupe and explicit results files', async () => {
    const out = fresh();
    expect((await vlmDatagen(['batch', 'export', ...job(3), '--out-dir', out])).code).toBe(0);
    const before = server.requests.length;
    const noPoll = await vlmDatagen(['batch', 'submit', '--out-dir', out, '--base-url', server.baseURL, '--api-key', 'sk-submit']);
    expect(noPoll.code).toBe(0);
    expect(noPoll.stdout).toMatch(/batch-000\.jsonl: batch batch_\d+ validating/);
    const mine = server.requests.slice(before);
    expect(mine.every((r) => r.headers.authorization === 'Bearer sk-submit')).toBe(true);
    const polled = await vlmDatagen(['batch', 'submit', '--out-dir', out, '--base-url', server.baseURL, '--api-key', 'sk-submit', '--poll', '--interval', '0.05']);
    expect(polled.stdout).toMatch(/batch-000\.jsonl: batch batch_\d+ completed -> batch-000\.output\.jsonl/);
    const polls = server.requests.slice(before).filter((r) => r.method === 'GET' && /^\/v1\/batches\/batch_/.test(r.path));
    expect(polls).toHaveLength(2);
    // --interval 0.05: the second poll came at least ~50 ms after the first
    expect(polls[1]!.receivedAt - polls[0]!.receivedAt).toBeGreaterThanOrEqual(45);

    const target = join(out, 'final.json');
    const imported = await vlmDatagen(['batch', 'import', ...job(3), '--out-dir', out, '--out', target, join(out, 'batch', 'batch-000.output.jsonl')]);
    expect(imported.code).toBe(0);
    expect(imported.stderr).toContain('3 imported');
    expect(JSON.parse(readFileSync(target, 'utf8'))).toHaveLength(3);
    const deduped = await vlmDatagen(['batch', 'import', ...job(3), '--out-dir', fresh(), '--cache', join(out, 'cache'), '--dedupe', join(out, 'batch', 'batch-000.output.jsonl')]);
    expect(deduped.stdout).toContain('near-duplicates removed: 0 (dataset-wide, normalised text)');
  });

  it('mix --dedupe-text: near-duplicates across sources removed and reported', async () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    const rec = (id: string, q: string) => ({ id, image: `${id}.jpg`, conversations: [{ from: 'human', value: `<image>\n${q}` }, { from: 'gpt', value: 'Two shapes.' }] });
    writeFileSync(a, JSON.stringify([rec('a1', 'How many shapes?'), rec('a2', 'What colour?')]));
    writeFileSync(b, JSON.stringify([rec('b1', 'how many SHAPES')]));
    const r = await vlmDatagen(['mix', '--source', `a=${a}`, '--source', `b=${b}`, '--out', join(dir, 'mix.json'), '--tokenizer', 'none', '--dedupe-text']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('near-duplicates removed: 1 (normalised text, all sources)');
    expect(JSON.parse(readFileSync(join(dir, 'mix.json'), 'utf8'))).toHaveLength(2);
  });
});
