// End to end against the OpenAI-compatible test server: the commands run in-process (each child process
// costs seconds of start-up on a loaded machine); one run of the real entry checks exit code and errors.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { parseLlavaDataset } from '@vlm/core';
import { startOpenAIServer, type ChatHandler, type OpenAIServer } from '@vlm/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { formatError } from '@vlm/core';

import { commands } from './index';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const cli = join(root, 'apps/datagen/src/cli.ts');

function childVlmDatagen(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--conditions=@vlm/source', '--import', 'tsx', cli, ...args], { cwd: root, env: { ...process.env, OPENAI_API_KEY: '', OPENAI_BASE_URL: '' } }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Runs a command in-process as the CLI would: output captured, a thrown error printed with formatError. */
async function vlmDatagen(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (stdout += `${a.join(' ')}\n`));
  const err = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (stderr += `${a.join(' ')}\n`));
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  const saved = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL };
  delete process.env.OPENAI_API_KEY;
  delete process.env.OPENAI_BASE_URL;
  try {
    const [name, ...rest] = args;
    return { code: await commands[name!]!(rest), stdout, stderr };
  } catch (error) {
    return { code: 1, stdout, stderr: stderr + formatError(error) };
  } finally {
    log.mockRestore();
    err.mockRestore();
    write.mockRestore();
    if (saved.key !== undefined) process.env.OPENAI_API_KEY = saved.key;
    if (saved.url !== undefined) process.env.OPENAI_BASE_URL = saved.url;
  }
}

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? allFiles(path) : [path];
  });
}

// Answers LLaVA prompts in their formats: a paragraph for the detail prompt, Q/A blocks otherwise.
const teacher: ChatHandler = (request, context) => {
  const system = String(request.messages[0]?.content ?? '');
  const first = context.lastUserText.split('\n')[0]!;
  if (system.includes('describe the image in detail')) return `The image shows several shapes. ${first}`;
  return `Question:\nWhat shapes are visible?\n===\nAnswer:\n${first}\n===\nQuestion:\nWhat is the background?\n===\nAnswer:\nA plain background.`;
};

const servers: OpenAIServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('vlm-datagen generate, batch, expand and stats', () => {
  it('makes scenes, runs the symbolic and the LLaVA teacher (dry run first), and reports stats', async () => {
    const server = await startOpenAIServer({ handler: teacher });
    servers.push(server);
    const dir = await mkdtemp(join(tmpdir(), 'vlm-datagen-gen-'));
    const scenes = join(dir, 'scenes');
    expect((await vlmDatagen(['generate', 'scenes', '--count', '6', '--size', '64', '--seed', '2', '--out-dir', scenes])).code).toBe(0);
    expect(readdirSync(join(scenes, 'images'))).toHaveLength(6);

    const sym = await vlmDatagen(['generate', 'symbolic', '--scenes', join(scenes, 'scenes.json'), '--out-dir', dir, '--out', join(dir, 'sym.json')]);
    expect(sym.code).toBe(0);
    expect(parseLlavaDataset(JSON.parse(readFileSync(join(dir, 'sym.json'), 'utf8'))).length).toBeGreaterThanOrEqual(12);

    const gen = join(dir, 'gen');
    const common = ['generate', 'llava', '--captions', join(scenes, 'captions.json'), '--instances', join(scenes, 'instances.json'), '--kinds', 'conversation,detail', '--out-dir', gen, '--model', 'gpt-4o-mini', '--base-url', server.baseURL, '--api-key', 'sk-cli-secret-123'];
    const dry = await vlmDatagen([...common, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('requests: 12 (0 cached, 12 to send)');
    expect(dry.stdout).toMatch(/estimated cost: <= \$0\.\d+/);
    expect(server.chatRequests()).toHaveLength(0);

    const run = await vlmDatagen(common);
    expect(run.stderr + run.stdout).not.toContain('sk-cli-secret');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('accepted: 12 (12 records)');
    expect(run.stdout).toMatch(/spent: \$0\.\d{4}/);
    expect(run.stderr).toMatch(/\[#{20}\] 12\/12 \| accepted 12 \| rejected 0 \| cached 0 \| \$0\.\d{4}/);
    expect(server.chatRequests()).toHaveLength(12);
    const records = parseLlavaDataset(JSON.parse(readFileSync(join(gen, 'llava.json'), 'utf8')));
    expect(records).toHaveLength(12);
    expect(records[0]).toMatchObject({ prompt_id: 'llava/conversation', teacher_model: 'gpt-4o-mini' });
    for (const file of allFiles(gen)) expect(readFileSync(file, 'utf8')).not.toContain('sk-cli-secret');

    const again = await vlmDatagen(common);
    expect(again.stdout).toContain('tasks: 12 (12 done in earlier runs)');
    expect(server.chatRequests()).toHaveLength(12);

    const stats = await vlmDatagen(['stats', join(gen, 'llava.json'), '--run', gen]);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toContain('records: 12 (12 with image');
    expect(stats.stdout).toContain('prompts: llava/conversation 6, llava/detailed-description 6');
    expect(stats.stdout).toContain('run: 12 accepted (12 records), 0 rejected, 0 failed, 12 cached answers');
  });

  it('goes through the Batch API: export, submit --poll, import', async () => {
    const server = await startOpenAIServer({ handler: teacher, batchPollsUntilDone: 1 });
    servers.push(server);
    const dir = await mkdtemp(join(tmpdir(), 'vlm-datagen-batch-'));
    writeFileSync(
      join(dir, 'figures.jsonl'),
      ['{"id":"f1","image":"f1.jpg","fig_label":"Figure 1","fig_caption":"H&E stain of a lymph node.","in_text_mention":[{"tokens":"Figure 1 shows the node."}]}', '{"id":"f2","image":"f2.jpg","caption":"Chest X-ray, frontal view."}'].join('\n') + '\n',
    );
    const job = ['llava-med', '--input', join(dir, 'figures.jsonl'), '--out-dir', join(dir, 'out'), '--model', 'gpt-4o-mini'];
    const exported = await vlmDatagen(['batch', 'export', ...job]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('exported 2 requests in 1 file(s)');
    const submitted = await vlmDatagen(['batch', 'submit', '--out-dir', join(dir, 'out'), '--poll', '--interval', '0', '--base-url', server.baseURL, '--api-key', 'k']);
    expect(submitted.code).toBe(0);
    expect(submitted.stdout).toContain('batch-000.jsonl: batch batch_2 completed -> batch-000.output.jsonl');
    // The LLaVA-Med answers use User:/Assistant:, so the Q/A blocks of this teacher are rejected as unrecognised.
    const imported = await vlmDatagen(['batch', 'import', ...job]);
    expect(imported.stdout).toContain('tasks: 2');
    expect(imported.stdout).toContain('rejected: 2 (unrecognised_format 2)');
    expect(server.chatRequests()).toHaveLength(0);

    const bad = await childVlmDatagen(['batch', 'export', 'llava-med', '--out-dir', join(dir, 'out'), '--model', 'm']);
    expect(bad.code).toBe(2); // a usage error: the message, then the usage of `batch export`
    expect(bad.stderr).toMatch(/^\[missing_option\] The llava-med job needs --input/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('expands caption pairs from CSV', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vlm-datagen-expand-'));
    writeFileSync(join(dir, 'pairs.csv'), 'image,caption\na.jpg,"A dog, running."\nb.jpg,A cat.\n');
    const res = await vlmDatagen(['expand', join(dir, 'pairs.csv'), '--out', join(dir, 'out.json'), '--form', 'llava-med']);
    expect(res.code).toBe(0);
    const records = parseLlavaDataset(JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')));
    expect(records.map((r) => r.conversations[1]!.value)).toEqual(['A dog, running.', 'A cat.']);
  });
});
