// Honest state handling: out-of-range narration, empty transcripts and no reuse of another input's run.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { decodeVideo } from '../frames/decode-video';
import { findFfmpeg } from '../frames/ffmpeg';
import { movingCursorVideo } from '../frames/__fixtures__/generate-video';
import { probeVideo } from '../frames/probe-video';
import type { Utterance } from '../transcript/utterance';
import { hashFile, hashJson, QUILT_STATE_VERSION } from './run-key';
import { runQuiltPipeline, type QuiltPipelineOptions } from './run-quilt-pipeline';

const narration: Utterance[] = [
  { start: 0.2, end: 1.8, text: 'Here on the left the stroma is loose and oedematous with scattered cells.' },
  { start: 2.0, end: 3.8, text: 'Moving right the glands become crowded.' },
];

describe('Quilt run state', () => {
  let ffmpeg: string;
  let dir: string;
  let long: string;
  let short: string;

  beforeAll(async () => {
    const found = findFfmpeg();
    expect(found, 'ffmpeg not found (VLM_FFMPEG, PATH or @ffmpeg-installer/ffmpeg)').toBeDefined();
    ffmpeg = found!.path;
    dir = await mkdtemp(join(tmpdir(), 'vlm-quilt-state-'));
    long = join(dir, 'long.mp4');
    short = join(dir, 'short.mp4');
    await movingCursorVideo(ffmpeg, long, { seconds: 4 });
    await movingCursorVideo(ffmpeg, short, { seconds: 0.5 });
  });

  async function run(video: string, utterances: readonly Utterance[], outDir: string, extra: Partial<QuiltPipelineOptions> = {}) {
    const probe = await probeVideo(video, { ffmpeg });
    return runQuiltPipeline(decodeVideo(video, { fps: 10, ffmpeg, duration: probe.duration, sourceFps: probe.fps }), utterances, {
      videoId: 'v',
      outDir,
      duration: probe.duration,
      inputKey: await hashFile(video),
      teacher: async () => 'unused',
      kinds: [],
      ...extra,
    });
  }

  it('skips and counts narration outside the video', async () => {
    const outDir = join(dir, 'range');
    const late: Utterance = { start: 121, end: 130, text: 'This was said in another video entirely and must not be grounded.' };
    const result = await run(long, [...narration, late], outDir);
    expect(result.skippedUtterances).toBe(1);
    expect(result.decode).toMatchObject({ frames: 40, warnings: [] });
    const grounded = result.chunks.flatMap((c) => c.utterances.map((u) => u.text));
    expect(grounded).toEqual(narration.map((u) => u.text));
    expect(JSON.parse(await readFile(result.files.grounded, 'utf8'))).toMatchObject({ skippedUtterances: 1 });
    await expect(run(long, [late], join(dir, 'all-late'))).rejects.toMatchObject({ code: 'transcript_out_of_range' });
  });

  it('refuses an empty transcript before decoding anything', async () => {
    const outDir = join(dir, 'empty');
    await expect(run(long, [], outDir)).rejects.toMatchObject({ code: 'transcript_empty' });
    expect(existsSync(join(outDir, 'images'))).toBe(false);
  });

  it('resumes only the same input, never another video or transcript', async () => {
    const outDir = join(dir, 'stale');
    // One utterance that fits both videos, so only the video differs.
    const opening: Utterance[] = [{ start: 0.1, end: 0.4, text: 'Here on the left the stroma is loose and oedematous.' }];
    const first = await run(long, opening, outDir);
    expect(first.groundingResumed).toBe(false);
    const again = await run(long, opening, outDir);
    expect(again).toMatchObject({ groundingResumed: true, key: first.key });
    // Resumed without decoding: ffmpeg never ran.
    expect(again.decode).toBeUndefined();

    // A 5-frame video into the same out-dir: not the 40 frames of the earlier run.
    await expect(run(short, opening, outDir)).rejects.toMatchObject({ code: 'quilt_out_dir_in_use' });
    const fresh = await run(short, opening, outDir, { force: true });
    expect(fresh.groundingResumed).toBe(false);
    expect(fresh.decode?.frames).toBe(5);
    expect(fresh.chunks.reduce((n, c) => n + c.frameEnd - c.frameStart, 0)).toBe(5);
    expect(fresh.key).not.toBe(first.key);

    // Another transcript for the same video is another run too.
    const edited = [{ ...opening[0]!, text: 'Here on the left the stroma is dense.' }];
    await expect(run(short, edited, outDir)).rejects.toMatchObject({ code: 'quilt_out_dir_in_use' });
    // And so are other grounding options.
    await expect(run(short, opening, outDir, { groundingMode: 'quilt' })).rejects.toMatchObject({ code: 'quilt_out_dir_in_use' });
  });

  it('never resumes state whose key was made by another pipeline version, even for the same input and options', async () => {
    const outDir = join(dir, 'versioned');
    const opening: Utterance[] = [{ start: 0.1, end: 0.4, text: 'Here on the left the stroma is loose and oedematous.' }];
    const first = await run(long, opening, outDir);
    const saved = JSON.parse(await readFile(first.files.grounded, 'utf8')) as { key: string; format: string };
    expect(saved.format).toBe(`vlm-quilt-grounded/${QUILT_STATE_VERSION}`);
    // Recompute the run's own key from its parts, then the same parts under the previous version.
    const parts = { input: await hashFile(long), utterances: opening, videoId: 'v', seed: 0, groundingMode: 'utterance', splitSentences: true };
    expect(hashJson({ version: QUILT_STATE_VERSION, ...parts })).toBe(saved.key);
    await writeFile(first.files.grounded, JSON.stringify({ ...saved, key: hashJson({ version: QUILT_STATE_VERSION - 1, ...parts }) }));
    await expect(run(long, opening, outDir)).rejects.toMatchObject({ code: 'quilt_out_dir_in_use' });
    // State in the format of the previous version is not read either.
    await writeFile(first.files.grounded, JSON.stringify({ ...saved, format: 'vlm-quilt-grounded/2' }));
    await expect(run(long, opening, outDir)).rejects.toMatchObject({ code: 'quilt_out_dir_in_use' });
    const fresh = await run(long, opening, outDir, { force: true });
    expect(fresh).toMatchObject({ groundingResumed: false, key: saved.key });
  });

  it('fails with strict on decode warnings, before instruction generation', async () => {
    const outDir = join(dir, 'strict');
    // A video shorter than the duration it is said to have: the frame count falls short.
    const probe = await probeVideo(short, { ffmpeg });
    const decode = decodeVideo(short, { fps: 10, ffmpeg, duration: probe.duration + 3, sourceFps: probe.fps });
    await expect(
      runQuiltPipeline(decode, narration.slice(0, 1), { videoId: 'v', outDir, inputKey: 'short', teacher: async () => 'unused', strict: true }),
    ).rejects.toMatchObject({ code: 'quilt_strict', message: expect.stringMatching(/decoded 5 frames, but 3.50 s at 10 fps should give 35/) });
    expect(existsSync(join(outDir, 'instructions.jsonl'))).toBe(false);
  });
});
