import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseLlavaDataset } from '@vlm/core';
import { startOpenAIServer, type ChatHandler, type OpenAIServer } from '@vlm/testkit';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTeacher } from '../../teacher/teacher';
import { engineTeacherChat } from '../../quilt/instruct/teacher-chat';
import { functionEmbedder, openAiEmbedder } from '../retrieval/embedder';
import { repairText } from '../revision/inject-errors';
import { createClipTokenizer } from '../summarise/clip-tokenizer';
import { runPathgenPipeline } from './run-pathgen-pipeline';

// Byte-level symbols only (no merges): every character of a word is a token, so budgets bite quickly.
const vocab: Record<string, number> = {};
for (let b = 33; b <= 126; b++) {
  vocab[String.fromCharCode(b)] = b;
  vocab[`${String.fromCharCode(b)}</w>`] = 200 + b;
}
const tokenizer = createClipTokenizer(vocab, [], { startId: 49406, endId: 49407 });

const DESCRIPTION = 'The glands are irregular and crowded. Nuclei are large and hyperchromatic. Mitoses are present.';
const handler: ChatHandler = (request) => {
  const system = String(request.messages[0]?.content ?? '');
  const user = request.messages[request.messages.length - 1]?.content;
  if (system.includes('writing a description of one H&E-stained histopathology image patch')) {
    const hasImage = Array.isArray(user) && user.some((part) => part.type === 'image_url' && String((part.image_url as { url: string }).url).startsWith('data:image/png;base64,'));
    return hasImage ? DESCRIPTION : { error: { status: 400, message: 'no image' } };
  }
  if (system.includes('reviewing a description')) return String(user).replace('Description to review:\n', '');
  if (system.includes('You summarise descriptions')) {
    const last = request.messages[request.messages.length - 1];
    // First attempt too long; after "Shorten it." still too long; then truncation takes over.
    return String(last?.content).includes('Shorten it') ? 'Irregular crowded glands with large hyperchromatic nuclei and mitoses.' : `${DESCRIPTION} ${DESCRIPTION}`;
  }
  return { error: { status: 400, message: 'unexpected prompt' } };
};

describe('PathGen pipeline end to end', () => {
  let server: OpenAIServer;
  let root: string;
  let slide: string;

  beforeAll(async () => {
    server = await startOpenAIServer({ handler });
    root = await mkdtemp(join(tmpdir(), 'pathgen-e2e-'));
    slide = join(root, 'slide.png');
    // 3 x 2 patches of 224: tissue in the left two columns, with a darker band so patches differ.
    const width = 672;
    const height = 448;
    const data = Buffer.alloc(width * height * 3, 246);
    for (let y = 0; y < height; y++) for (let x = 0; x < 448; x++) data.set(y < 224 ? [220, 140, 190] : [150, 70, 140], (y * width + x) * 3);
    await sharp(data, { raw: { width, height, channels: 3 } }).png().toFile(slide);
  });
  afterAll(async () => {
    await server.close();
  });

  it('retrieves, describes, revises and summarises within the budget, then resumes without calls', async () => {
    const out = join(root, 'run');
    const run = async () => {
      const teacher = createTeacher({ model: 'vision-model', baseURL: server.baseURL, apiKey: 'k' });
      try {
        return await runPathgenPipeline([{ id: 'slide1', path: slide }], {
          outDir: out,
          embedder: openAiEmbedder({ model: 'clip', baseURL: server.baseURL, apiKey: 'k' }),
          describer: engineTeacherChat(teacher),
          tokenizer,
          prompts: ['adenocarcinoma with irregular glands', 'normal colonic mucosa'],
          seed: 3,
          tiling: { patchSize: 224, stride: 224 },
          clusters: 2,
          cap: 3,
          budget: 60,
        });
      } finally {
        await teacher.close();
      }
    };
    const first = await run();
    expect(first.selected).toHaveLength(3);
    expect(first.selected.every((p) => p.x < 448)).toBe(true);
    expect(new Set(first.selected.map((p) => p.cluster)).size).toBe(2);

    const pairs = JSON.parse(await readFile(first.files.pairs, 'utf8')) as { caption: string; tokens: number; truncated: boolean; image: string }[];
    expect(pairs).toHaveLength(3);
    for (const pair of pairs) {
      expect(pair.tokens).toBeLessThanOrEqual(60);
      expect(tokenizer.count(pair.caption)).toBe(pair.tokens);
      expect(pair.truncated).toBe(true);
      expect('Irregular crowded glands with large hyperchromatic nuclei and mitoses.'.startsWith(pair.caption)).toBe(true);
      const meta = await sharp(join(out, pair.image)).metadata();
      expect([meta.width, meta.height]).toEqual([224, 224]);
    }
    const instructions = parseLlavaDataset(JSON.parse(await readFile(first.files.instructions, 'utf8')));
    expect(instructions).toHaveLength(6);
    expect(instructions[0]!.conversations[1]!.value).toBe(DESCRIPTION);
    for (const pair of first.revisionPairs) {
      expect(pair.correct).toBe(DESCRIPTION);
      expect(pair.erroneous).not.toBe(DESCRIPTION);
      expect(repairText(pair)).toBe(DESCRIPTION);
    }
    const embeddingCalls = server.requests.filter((r) => r.path.endsWith('/embeddings')).length;
    expect(embeddingCalls).toBe(2);
    const chats = server.chatRequests().length;
    // Identical requests are answered by the engine's in-memory cache: the three patches are two distinct
    // images (pink, purple) -> 2 describe calls; they share one description -> 1 revise + 3 summarise attempts.
    expect(chats).toBe(6);

    const second = await run();
    expect(second.resumed).toEqual({ descriptions: 3, summaries: 3 });
    expect(server.chatRequests()).toHaveLength(chats);
    expect(server.requests.filter((r) => r.path.endsWith('/embeddings')).length).toBe(embeddingCalls);
    expect(second.pairs).toEqual(first.pairs);
  });
  it('asks the describer again on a rerun for a refused description, instead of replaying it from the disk cache', async () => {
    let refuse = true;
    const describe = (r: { messages: { content: unknown }[] }) => String(r.messages[0]?.content ?? '').includes('writing a description of one H&E-stained histopathology image patch');
    const refusing = await startOpenAIServer({ handler: (request, context) => (refuse && describe(request) ? 'As an AI language model, I cannot see images.' : handler(request, context)) });
    const out = join(root, 'refused');
    const cacheDir = join(root, 'refused-cache');
    const describeCalls = () => refusing.chatRequests().filter((r) => describe(r)).length;
    const run = async () => {
      const teacher = createTeacher({ model: 'vision-model', baseURL: refusing.baseURL, apiKey: 'k', cacheDir, env: {} });
      try {
        return await runPathgenPipeline([{ id: 'slide1', path: slide }], {
          outDir: out,
          embedder: openAiEmbedder({ model: 'clip', baseURL: refusing.baseURL, apiKey: 'k' }),
          describer: engineTeacherChat(teacher),
          tokenizer,
          prompts: ['adenocarcinoma with irregular glands', 'normal colonic mucosa'],
          seed: 3,
          tiling: { patchSize: 224, stride: 224 },
          clusters: 2,
          cap: 3,
          budget: 60,
        });
      } finally {
        await teacher.close();
      }
    };
    try {
      const first = await run();
      expect(first.failures.map((f) => f.reason)).toEqual(Array.from({ length: 3 }, () => expect.stringContaining('refusal')));
      expect(first.pairs).toEqual([]);
      const refusedCalls = describeCalls();
      expect(refusedCalls).toBeGreaterThanOrEqual(2); // two distinct patch images, each asked and refused
      refuse = false;
      const second = await run();
      expect(second.failures).toEqual([]);
      expect(second.pairs).toHaveLength(3);
      expect(second.pairs.every((p) => p.description === DESCRIPTION)).toBe(true);
      // The rerun reached the describer (the refusals were not served from the cache) ...
      expect(describeCalls()).toBeGreaterThan(refusedCalls);
      const chats = refusing.chatRequests().length;
      // ... and a third run serves everything accepted without a call.
      const third = await run();
      expect(third.resumed).toEqual({ descriptions: 3, summaries: 3 });
      expect(refusing.chatRequests()).toHaveLength(chats);
    } finally {
      await refusing.close();
    }
  });

  it('skips a patch whose description is unusable and retries it on the next run', async () => {
    const out = join(root, 'retry');
    const embedder = functionEmbedder({ texts: (t) => t.map(() => [1, 0, 0]), images: (i) => i.map((_, k) => [1, k % 2, k / 10]) });
    let calls = 0;
    const flaky = async (request: { task: string; messages: unknown[] }) => {
      if (request.task === 'pathgen.describe') return ++calls === 1 ? '' : DESCRIPTION;
      if (request.task === 'pathgen.revise') return DESCRIPTION;
      return 'Irregular crowded glands.';
    };
    const options = { outDir: out, embedder, describer: flaky, tokenizer, prompts: ['glands'], tiling: { patchSize: 224, stride: 224 }, clusters: 2, cap: 3 };
    const first = await runPathgenPipeline([{ id: 's', path: slide }], options);
    expect(first.failures).toHaveLength(1);
    expect(first.failures[0]!.reason).toMatch(/empty_output/);
    expect(first.pairs).toHaveLength(2);
    const second = await runPathgenPipeline([{ id: 's', path: slide }], options);
    expect(second.failures).toEqual([]);
    expect(second.resumed).toEqual({ descriptions: 2, summaries: 2 });
    expect(second.pairs.map((p) => p.caption)).toEqual(['Irregular crowded glands.', 'Irregular crowded glands.', 'Irregular crowded glands.']);
  });
});
