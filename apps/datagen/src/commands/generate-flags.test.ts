// Every flag of `vlm-datagen generate` reaches what it configures: each test runs the command in-process
// against the OpenAI-compatible test server and checks the effect where the flag's consumer acts
// (the request the server received, the files written, the summary printed).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startOpenAIServer, type ChatHandler, type OpenAIServer, type ServerChatRequest } from '@vlm/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runInProcess as vlmDatagen } from '../testing/run-in-process';

// LLaVA formats: a paragraph for the detail prompt, Q/A blocks for the others, User/Assistant for LLaVA-Med.
const answer: ChatHandler = (request, context) => {
  const system = String(request.messages[0]?.content ?? '');
  const first = context.lastUserText.split('\n')[0]!;
  if (system.includes('describe the image in detail')) return { content: `The image shows several shapes. ${first}`, usage: { prompt_tokens: 1000, completion_tokens: 100 } };
  if (system.includes('biomedical')) return `User: What does the image show?\nAssistant: ${first}`;
  return { content: `Question:\nWhat shapes are visible?\n===\nAnswer:\n${first}\n===\nQuestion:\nWhat is the background?\n===\nAnswer:\nA plain background.`, usage: { prompt_tokens: 1000, completion_tokens: 100 } };
};

let server: OpenAIServer;
let handler: ChatHandler = answer;
let dir: string;
let scenes: string;
const servers: OpenAIServer[] = [];
beforeAll(async () => {
  server = await startOpenAIServer({ handler: (r, c) => handler(r, c) });
  servers.push(server);
  dir = await mkdtemp(join(tmpdir(), 'vlm-datagen-flags-'));
  scenes = join(dir, 'scenes');
  const made = await vlmDatagen(['generate', 'scenes', '--count', '30', '--size', '32', '--seed', '4', '--out-dir', scenes]);
  expect(made.code).toBe(0);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

let runs = 0;
/** A fresh output folder and the requests the server got during one command. */
async function run(extra: string[], options: { job?: string[]; env?: Record<string, string>; connection?: boolean } = {}) {
  const out = join(dir, `run-${runs++}`);
  const before = server.requests.length;
  const job = options.job ?? ['llava', '--captions', join(scenes, 'captions.json'), '--instances', join(scenes, 'instances.json'), '--kinds', 'conversation', '--limit', '2'];
  const connection = options.connection === false ? [] : ['--model', 'gpt-4o-mini', '--base-url', server.baseURL, '--api-key', 'sk-flag-test'];
  const result = await vlmDatagen(['generate', ...job, '--out-dir', out, ...connection, ...extra], options.env);
  const chats = server.requests.slice(before).filter((r) => r.path === '/v1/chat/completions');
  return { ...result, out, chats, bodies: chats.map((r) => r.body as ServerChatRequest) };
}
const userText = (b: ServerChatRequest) => String(b.messages.at(-1)?.content ?? '');

describe('vlm-datagen generate: every flag reaches its consumer', () => {
  it('--captions and --instances: the captions and the boxes are in the prompt', async () => {
    const captions = JSON.parse(readFileSync(join(scenes, 'captions.json'), 'utf8')) as { annotations: Array<{ caption: string }> };
    const detail = ['--kinds', 'detail', '--limit', '2'];
    const withBoxes = await run([], { job: ['llava', '--captions', join(scenes, 'captions.json'), '--instances', join(scenes, 'instances.json'), ...detail] });
    expect(withBoxes.code).toBe(0);
    expect(userText(withBoxes.bodies[0]!)).toContain(captions.annotations[0]!.caption.trim().split(' ')[1]!);
    expect(userText(withBoxes.bodies[0]!)).toMatch(/\[\d\.\d+, \d\.\d+, \d\.\d+, \d\.\d+\]/);
    const noBoxes = await run([], { job: ['llava', '--captions', join(scenes, 'captions.json'), ...detail] });
    expect(userText(noBoxes.bodies[0]!)).not.toMatch(/\[\d\.\d+, \d\.\d+, \d\.\d+, \d\.\d+\]/);
  });

  it('--kinds and --limit: the tasks sent', async () => {
    const r = await run([], { job: ['llava', '--captions', join(scenes, 'captions.json'), '--kinds', 'detail,complex', '--limit', '3'] });
    expect(r.chats).toHaveLength(6);
    expect(r.bodies.filter((b) => String(b.messages[0]!.content).includes('describe the image in detail'))).toHaveLength(3);
  });

  it('--max-examples and --max-tokens: the request body', async () => {
    const all = await run([]);
    const none = await run(['--max-examples', '0', '--max-tokens', '77']);
    expect(none.bodies[0]!.messages).toHaveLength(2);
    expect(all.bodies[0]!.messages.length).toBeGreaterThan(2);
    expect(none.bodies.every((b) => b.max_tokens === 77)).toBe(true);
    expect(all.bodies.every((b) => b.max_tokens !== 77)).toBe(true);
  });

  it('--seed: the records (image placement and question draws)', async () => {
    const job = ['llava', '--captions', join(scenes, 'captions.json'), '--kinds', 'detail', '--limit', '12'];
    // Records are written in the order answers arrive; compare them by id.
    const read = (out: string) => JSON.stringify((JSON.parse(readFileSync(join(out, 'llava.json'), 'utf8')) as Array<{ id: string }>).sort((x, y) => x.id.localeCompare(y.id)));
    const a = await run(['--seed', '1'], { job });
    const b = await run(['--seed', '1'], { job });
    const c = await run(['--seed', '2'], { job });
    expect(read(a.out)).toBe(read(b.out));
    expect(read(a.out)).not.toBe(read(c.out));
  });

  it('--input and --no-mentions: the LLaVA-Med prompt', async () => {
    const figures = join(dir, 'figures.jsonl');
    writeFileSync(figures, '{"id":"f1","image":"f1.jpg","caption":"H&E stain of a lymph node.","mentions":["Figure 1 shows the node in detail."]}\n');
    const withMentions = await run([], { job: ['llava-med', '--input', figures] });
    const without = await run(['--no-mentions'], { job: ['llava-med', '--input', figures] });
    expect(userText(withMentions.bodies[0]!)).toContain('Figure 1 shows the node in detail.');
    expect(userText(without.bodies[0]!)).not.toContain('Figure 1 shows the node in detail.');
    expect(userText(without.bodies[0]!)).toContain('H&E stain of a lymph node.');
  });

  it('--model, --base-url and --api-key: the request the server receives', async () => {
    const r = await run([]);
    expect(r.chats).toHaveLength(2);
    expect(r.bodies.every((b) => b.model === 'gpt-4o-mini')).toBe(true);
    expect(r.chats[0]!.headers.authorization).toBe('Bearer sk-flag-test');
    expect(r.stdout + r.stderr).not.toContain('sk-flag-test');
  });

  it('--concurrency: that many requests in flight at once (above the old cap of 16)', async () => {
    let active = 0;
    let peak = 0;
    handler = async (request, context) => {
      active += 1;
      peak = Math.max(peak, active);
      // Hold each request until 24 are in (or a fallback), so the peak does not depend on timing.
      for (let waited = 0; peak < 24 && waited < 5000; waited += 5) await new Promise((r) => setTimeout(r, 5));
      active -= 1;
      return answer(request, context);
    };
    try {
      const r = await run(['--concurrency', '24'], { job: ['llava', '--captions', join(scenes, 'captions.json'), '--kinds', 'conversation', '--limit', '30'] });
      expect(r.code).toBe(0);
      expect(peak).toBe(24);
    } finally {
      handler = answer;
    }
  });

  it('--retries: attempts of a retryable failure', async () => {
    handler = () => ({ error: { status: 429, retryAfterMs: 1 } });
    try {
      const r = await run(['--retries', '2', '--limit', '1']);
      expect(r.chats).toHaveLength(3);
      expect(r.code).toBe(1);
      expect(readFileSync(join(r.out, 'failures.jsonl'), 'utf8')).toContain('teacher_rate_limited');
    } finally {
      handler = answer;
    }
  });

  it('--timeout: the per-request timeout', async () => {
    handler = () => ({ hang: true });
    try {
      const r = await run(['--timeout', '0.2', '--retries', '0', '--limit', '1']);
      expect(r.code).toBe(1);
      expect(readFileSync(join(r.out, 'failures.jsonl'), 'utf8')).toContain('teacher_timeout');
    } finally {
      handler = answer;
    }
  });

  it('--cache: where answers are kept, so another run with the same cache sends nothing', async () => {
    const cache = join(dir, 'shared-cache');
    const first = await run(['--cache', cache]);
    expect(existsSync(join(cache, 'responses.jsonl'))).toBe(true);
    expect(existsSync(join(first.out, 'cache'))).toBe(false);
    const second = await run(['--cache', cache]);
    expect(second.chats).toHaveLength(0);
    expect(second.stdout).toContain('cache hits: 2');
  });

  it('--price-in and --price-out: the cost accounted', async () => {
    // 1000 prompt + 100 completion tokens per answer, 2 answers, at $2 / $10 per million
    const r = await run(['--price-in', '2', '--price-out', '10']);
    expect(r.stdout).toContain(`spent: $${((2 * (1000 * 2 + 100 * 10)) / 1e6).toFixed(4)}`);
  });

  it('--budget: never exceeded; the run stops with a message saying what to do', async () => {
    // Each request reserves its maximum (prompt bytes + max_tokens), about $0.015 at $2/$4 per million,
    // and costs $0.0024 (1000 + 100 tokens): the budget runs out after a few requests.
    const r = await run(['--budget', '0.03', '--price-in', '2', '--price-out', '4'], { job: ['llava', '--captions', join(scenes, 'captions.json'), '--kinds', 'conversation', '--limit', '10'] });
    expect(r.code).toBe(1);
    expect(r.chats.length).toBeGreaterThan(0);
    expect(r.chats.length).toBeLessThan(10);
    const spent = Number(/spent: \$(\d+\.\d+)/.exec(r.stdout)![1]);
    expect(spent).toBeLessThanOrEqual(0.03);
    expect(r.stderr).toContain('[budget_exceeded]');
    expect(r.stderr).toContain('hint: Raise --budget and rerun');
  });

  it('--offline: nothing is sent; what the cache lacks is listed as failed', async () => {
    const r = await run(['--offline']);
    expect(r.chats).toHaveLength(0);
    expect(r.code).toBe(1);
    expect(readFileSync(join(r.out, 'failures.jsonl'), 'utf8')).toContain('not_cached');
    expect(r.stdout).toContain('not written');
  });

  it('--out-dir and --out: where the run files and the LLaVA JSON go', async () => {
    const target = join(dir, 'elsewhere', 'data.json');
    const r = await run(['--out', target]);
    expect(JSON.parse(readFileSync(target, 'utf8'))).toHaveLength(2);
    expect(readdirSync(r.out).sort()).toEqual(['cache', 'failures.jsonl', 'rejects.jsonl', 'samples.jsonl']);
  });

  it('--dry-run: an estimate, no request', async () => {
    const r = await run(['--dry-run']);
    expect(r.chats).toHaveLength(0);
    expect(r.stdout).toContain('requests: 2 (0 cached, 2 to send)');
  });

  it('--dedupe: near-duplicates removed dataset-wide and reported', async () => {
    handler = () => 'Question:\nWhat is shown?\n===\nAnswer:\nSome shapes.';
    try {
      const plain = await run([]);
      const deduped = await run(['--dedupe']);
      expect(JSON.parse(readFileSync(join(plain.out, 'llava.json'), 'utf8'))).toHaveLength(2);
      expect(JSON.parse(readFileSync(join(deduped.out, 'llava.json'), 'utf8'))).toHaveLength(1);
      expect(deduped.stdout).toContain('near-duplicates removed: 1 (dataset-wide, normalised text)');
    } finally {
      handler = answer;
    }
  });

  it('symbolic --scenes/--symbolic-kinds/--limit and scenes --count/--size/--min-objects/--max-objects', async () => {
    const out = join(dir, 'sym');
    const sym = await vlmDatagen(['generate', 'symbolic', '--scenes', join(scenes, 'scenes.json'), '--symbolic-kinds', 'detail', '--limit', '5', '--out-dir', out]);
    expect(sym.code).toBe(0);
    const records = JSON.parse(readFileSync(join(out, 'symbolic.json'), 'utf8')) as Array<{ id: string }>;
    expect(records).toHaveLength(5);
    const made = join(dir, 'scenes-2');
    expect((await vlmDatagen(['generate', 'scenes', '--count', '3', '--size', '40', '--min-objects', '2', '--max-objects', '2', '--out-dir', made])).code).toBe(0);
    const written = JSON.parse(readFileSync(join(made, 'scenes.json'), 'utf8')) as Array<{ width: number; objects: unknown[] }>;
    expect(written).toHaveLength(3);
    expect(written.every((s) => s.width === 40 && s.objects.length === 2)).toBe(true);
  });
});

describe('vlm-datagen generate: failures a user will see', () => {
  it('no OPENAI_API_KEY with the OpenAI URL: stops before any request, names the variable, writes no llava.json', async () => {
    const r = await run(['--model', 'gpt-4o-mini'], { connection: false });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[teacher_api_key_missing] OPENAI_API_KEY is not set, and the OpenAI API (https://api.openai.com/v1) needs an API key.');
    expect(r.stderr).toContain('export OPENAI_API_KEY=sk-...');
    expect(existsSync(join(r.out, 'llava.json'))).toBe(false);
    expect(existsSync(join(r.out, 'samples.jsonl'))).toBe(false);
  });

  it('a wrong key (401): stops at once with the server message, keeping what was accepted', async () => {
    let n = 0;
    handler = (request, context) => (n++ < 2 ? answer(request, context) : { error: { status: 401, message: 'Incorrect API key provided: sk-fl***est.', type: 'invalid_api_key' } });
    try {
      const r = await run(['--concurrency', '1'], { job: ['llava', '--captions', join(scenes, 'captions.json'), '--kinds', 'conversation', '--limit', '20'] });
      expect(r.code).toBe(1);
      expect(r.chats).toHaveLength(3);
      expect(r.stderr).toContain(`[teacher_http_401] The server at ${server.baseURL} answered 401: Incorrect API key provided: sk-fl***est.`);
      expect(JSON.parse(readFileSync(join(r.out, 'llava.json'), 'utf8'))).toHaveLength(2);
    } finally {
      handler = answer;
    }
  });

  it('a wrong URL path (404): stops after one request', async () => {
    const before = server.requests.length;
    const r = await vlmDatagen(['generate', 'llava', '--captions', join(scenes, 'captions.json'), '--limit', '5', '--out-dir', join(dir, 'wrong-path'), '--model', 'gpt-4o-mini', '--base-url', server.baseURL.replace(/\/v1$/, '/api'), '--api-key', 'k']);
    expect(r.code).toBe(1);
    expect(server.requests.length - before).toBe(1);
    expect(r.stderr).toMatch(/\[teacher_http_404\] The server at http:\/\/127\.0\.0\.1:\d+\/api answered 404/);
    expect(r.stderr).toContain('--base-url (it usually ends in /v1');
  });

  it('a URL where nothing listens: fails fast naming the URL', async () => {
    const closed = await startOpenAIServer({});
    const url = closed.baseURL;
    await closed.close();
    const r = await vlmDatagen(['generate', 'llava', '--captions', join(scenes, 'captions.json'), '--limit', '30', '--out-dir', join(dir, 'refused'), '--model', 'gpt-4o-mini', '--base-url', url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`[teacher_unreachable] Cannot connect to ${url}: Connection error. (ECONNREFUSED)`);
    expect(existsSync(join(dir, 'refused', 'llava.json'))).toBe(false);
  });
});
