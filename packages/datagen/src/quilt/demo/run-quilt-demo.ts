import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import { symbolicQuiltTeacher } from '../instruct/symbolic-teacher';
import type { TeacherChat } from '../instruct/teacher-chat';
import { runQuiltPipeline, type QuiltPipelineOptions, type QuiltPipelineResult } from '../pipeline/run-quilt-pipeline';
import { readTranscript } from '../transcript/read-transcript';
import { localisationError, type LocalisationError } from './localisation-error';
import { renderDemoVideo, type DemoVideo, type DemoVideoOptions } from './render-demo-video';

/** What the demo produced: the rendered video, the pipeline result and the cursor error against the known path. */
export interface QuiltDemoResult {
  video: DemoVideo;
  pipeline: QuiltPipelineResult;
  error: LocalisationError;
  /** Frames whose chunk was found, out of all rendered frames. */
  framesInChunks: number;
}

/**
 * The built-in Quilt demo: renders a synthetic narrated video into `outDir/video`, runs the whole
 * pipeline on it (rule-based teacher unless another is given) and measures the cursor error.
 */
export async function runQuiltDemo(
  outDir: string,
  options: { video?: DemoVideoOptions; teacher?: TeacherChat; cursor?: QuiltPipelineOptions['cursor']; seed?: number | string } = {},
): Promise<QuiltDemoResult> {
  // The video is re-rendered with this run's options, so results of an earlier demo run are stale.
  await Promise.all(['grounded.json', 'instructions.jsonl'].map((f) => rm(join(outDir, f), { force: true })));
  const video = await renderDemoVideo(join(outDir, 'video'), options.video);
  // Read the transcript back from the file, as a user's run would.
  const utterances = await readTranscript(video.transcriptJson);
  const pipeline = await runQuiltPipeline(video.frames, utterances, {
    videoId: 'demo',
    outDir,
    seed: options.seed ?? 0,
    teacher: options.teacher ?? symbolicQuiltTeacher(),
    cursor: options.cursor,
    // The demo re-renders its video every run, so its own earlier state is replaced.
    force: true,
  });
  const hits = pipeline.chunks.flatMap((c) => c.hits);
  const truth = pipeline.chunks.flatMap((c) => video.frames.slice(c.frameStart, c.frameEnd).map((f) => f.cursor));
  return { video, pipeline, error: localisationError(hits, truth), framesInChunks: hits.length };
}
