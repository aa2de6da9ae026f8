import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { parseLlavaDataset } from '@vlm/core';
import { startOpenAIServer, type ChatHandler, type OpenAIServer } from '@vlm/testkit';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTeacher } from '../../teacher/teacher';
import { localisationError } from '../demo/localisation-error';
import { renderDemoVideo, type DemoVideo } from '../demo/render-demo-video';
import { decodeVideo } from '../frames/decode-video';
import { findFfmpeg } from '../frames/ffmpeg';
import { listFrameFolder } from '../frames/frame-folder';
import { engineTeacherChat } from '../instruct/teacher-chat';
import { readTranscript } from '../transcript/read-transcript';
import { runQuiltPipeline } from './run-quilt-pipeline';

// Answers each Quilt step by recognising its system prompt, like a well-behaved model would.
const handler: ChatHandler = (request) => {
  const system = String(request.messages[0]?.content ?? '');
  if (system.includes('Design a conversation')) return 'User:[What is in the lower right?]\nGPT:[Infiltrating tumour nests.]\nUser:[Is there necrosis?]\nGPT:[Yes, in the centre. I am an AI assistant, not a doctor.]';
  if (system.includes('Describe the image in detail')) return 'Tumour nests infiltrate the stroma at the lower right, with central necrosis.';
  if (system.includes('State the diagnosis')) return 'Diagnosis: adenocarcinoma\nClues:\n- infiltrative glands\n- necrosis';
  if (system.includes('needs reasoning')) return 'User:[What supports malignancy here?]\nGPT:[Infiltrative nests; more patches would be needed to be sure.]';
  if (system.includes('pathology student')) return 'Is this adenocarcinoma?';
  if (system.includes('guiding a student')) return 'CORRECT!!! Yes, adenocarcinoma.';
  return { error: { status: 400, message: 'unexpected prompt' } };
};

describe('Quilt pipeline end to end', () => {
  let server: OpenAIServer;
  let video: DemoVideo;
  let root: string;

  beforeAll(async () => {
    server = await startOpenAIServer({ handler });
    root = await mkdtemp(join(tmpdir(), 'quilt-e2e-'));
    video = await renderDemoVideo(join(root, 'video'), { width: 320, height: 180, fps: 6 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('grounds the demo video, generates the four kinds through the teacher engine and resumes', async () => {
    const out = join(root, 'run');
    const frames = await listFrameFolder(video.dir);
    const utterances = await readTranscript(video.transcriptSrt);
    const run = async () => {
      const teacher = createTeacher({ model: 'test-model', baseURL: server.baseURL, apiKey: 'k', cacheDir: join(out, 'cache') });
      try {
        return await runQuiltPipeline(frames, utterances, { videoId: 'demo', outDir: out, seed: 7, teacher: engineTeacherChat(teacher) });
      } finally {
        await teacher.close();
      }
    };
    const first = await run();
    expect(first.chunks).toHaveLength(2);
    expect(first.chunks.every((c) => c.grounded)).toBe(true);
    expect(first.chunks.map((c) => c.segments.length)).toEqual([3, 2]);
    const error = localisationError(first.chunks.flatMap((c) => c.hits), first.chunks.flatMap((c) => video.frames.slice(c.frameStart, c.frameEnd).map((f) => f.cursor)));
    expect(error.detected).toBe(video.frames.length);
    expect(error.maxPx).toBeLessThanOrEqual(1.5);
    // Each segment's box contains the region the narrator was talking about: the first scene's first line is about the lower right.
    const firstBox = first.chunks[0]!.segments[0]!.box;
    expect(firstBox[0]).toBeGreaterThan(0.5);
    expect(firstBox[1]).toBeGreaterThan(0.5);
    expect(first.chunks[0]!.groundedCaption).toMatch(/^Down here the tumour .* \[0\.\d+, 0\.\d+, 0\.\d+, 0\.\d+\], In the centre/);

    const dataset = parseLlavaDataset(JSON.parse(await readFile(first.files.dataset, 'utf8')));
    expect(dataset.map((r) => r.id)).toEqual(['demo_000', 'demo_001'].flatMap((c) => ['conversation', 'detail', 'complex_reasoning', 'iterative_abduction'].map((k) => `${c}_${k}`)));
    expect(dataset[0]!.conversations[0]!.value.startsWith('<image>\n')).toBe(true);
    expect(dataset[0]).toMatchObject({ kind: 'conversation', boxes: first.chunks[0]!.segments.map((s) => ({ text: s.text, box: s.box })) });
    expect(dataset[3]!.conversations.map((t) => t.from)).toEqual(['human', 'gpt']);
    const requests = server.chatRequests();
    expect(requests.every((r) => r.temperature === 0 && r.max_tokens === 512)).toBe(true);
    // 2 chunks x (conversation, detail, reasoning, student, assistant) + 1 diagnosis.
    expect(requests).toHaveLength(11);
    const picture = await sharp(join(out, first.chunks[0]!.tracePicture)).metadata();
    // The frame, then a legend row per sentence below it.
    expect(picture.width).toBe(320);
    expect(picture.height).toBeGreaterThan(180);

    const second = await run();
    expect(second.resumed).toBe(8);
    expect(server.chatRequests()).toHaveLength(11);
    expect(second.records).toEqual(first.records);
  });

  it('asks the teacher again on a rerun for an answer it could not use ("retried on the next run"), not the cached one', async () => {
    let refuse = true;
    const detail = (r: { messages: { content: unknown }[] }) => String(r.messages[0]?.content ?? '').includes('Describe the image in detail');
    const refusing = await startOpenAIServer({ handler: (request, context) => (refuse && detail(request) ? 'As an AI language model, I cannot see images.' : handler(request, context)) });
    const out = join(root, 'refused');
    const frames = await listFrameFolder(video.dir);
    const utterances = await readTranscript(video.transcriptSrt);
    const run = async () => {
      const teacher = createTeacher({ model: 'test-model', baseURL: refusing.baseURL, apiKey: 'k', cacheDir: join(out, 'cache'), env: {} });
      try {
        return await runQuiltPipeline(frames, utterances, { videoId: 'demo', outDir: out, seed: 7, teacher: engineTeacherChat(teacher), kinds: ['detail'] });
      } finally {
        await teacher.close();
      }
    };
    try {
      const first = await run();
      expect(first.failures.map((f) => [f.id, f.reason])).toEqual([
        ['demo_000_detail', expect.stringContaining('refusal')],
        ['demo_001_detail', expect.stringContaining('refusal')],
      ]);
      expect(refusing.chatRequests()).toHaveLength(2);
      refuse = false;
      const second = await run();
      expect(second.failures).toEqual([]);
      expect(second.records.map((r) => r.id)).toEqual(['demo_000_detail', 'demo_001_detail']);
      expect(refusing.chatRequests()).toHaveLength(4); // both asked again, not replayed from the cache
      const third = await run();
      expect(third.resumed).toBe(2);
      expect(refusing.chatRequests()).toHaveLength(4);
    } finally {
      await refusing.close();
    }
  });

  it('stops at once when the teacher answers 401 (every request would fail the same way), naming the server\'s message', async () => {
    const denied = await startOpenAIServer({ handler: () => ({ error: { status: 401, message: 'Incorrect API key provided' } }) });
    const out = join(root, 'denied');
    const teacher = createTeacher({ model: 'test-model', baseURL: denied.baseURL, apiKey: 'wrong', cacheDir: join(out, 'cache') });
    try {
      const frames = await listFrameFolder(video.dir);
      const run = runQuiltPipeline(frames, await readTranscript(video.transcriptSrt), { videoId: 'denied', outDir: out, seed: 7, teacher: engineTeacherChat(teacher) });
      await expect(run).rejects.toMatchObject({ fatal: true, message: expect.stringContaining('Incorrect API key provided') });
      // One probe request, not one per record of the 2 chunks x 4 kinds.
      expect(denied.chatRequests()).toHaveLength(1);
    } finally {
      await teacher.close();
      await denied.close();
    }
  });

  it('extracts frames from an encoded video with ffmpeg and still finds the cursor', async () => {
    const ffmpeg = findFfmpeg();
    // The optional npm binary is installed with the package; its absence is an install problem worth failing on.
    expect(ffmpeg, 'ffmpeg not found (VLM_FFMPEG, PATH or @ffmpeg-installer/ffmpeg)').toBeDefined();
    const movie = join(root, 'demo.mkv');
    await promisify(execFile)(ffmpeg!.path, ['-loglevel', 'error', '-y', '-framerate', '6', '-i', join(video.dir, 'frame_%06d.png'), '-c:v', 'mjpeg', '-q:v', '3', movie]);
    expect(existsSync(movie)).toBe(true);
    const decode = decodeVideo(movie, { fps: 6, ffmpeg: ffmpeg!.path });
    const result = await runQuiltPipeline(decode, video.utterances, { videoId: 'mkv', outDir: join(root, 'mkv'), teacher: async () => 'unused', kinds: [], inputKey: 'demo.mkv' });
    expect(result.decode?.frames).toBe(video.frames.length);
    expect(result.chunks.flatMap((c) => c.frameTimes)[6]).toBe(1);
    // Nothing but median frames and trace pictures is written: no frame files.
    expect(existsSync(join(root, 'mkv', 'frames'))).toBe(false);
    const error = localisationError(result.chunks.flatMap((c) => c.hits), result.chunks.flatMap((c) => video.frames.slice(c.frameStart, c.frameEnd).map((f) => f.cursor)));
    expect(error.detected).toBe(video.frames.length);
    expect(error.meanPx).toBeLessThan(3);
  });
});
