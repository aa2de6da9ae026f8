import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { decodeVideo, type DecodeReport } from '../frames/decode-video';
import { findFfmpeg } from '../frames/ffmpeg';
import { groundVideo, type GroundedChunk } from '../pipeline/ground-video';
import { groundingHitRate, type GroundingHitRate } from './grounding-hit-rate';

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
  /** Sentences on their narrated regions, for both groundings, on the rendered frames. */
  hitRates: GroundingHitRate[];
  /**
   * The same video encoded as H.264 and decoded by ffmpeg at `fps` (the CLI's default, 2): the cursor
   * error at the decoded frames' own times and both groundings' hit rates. Absent without ffmpeg.
   */
  atDefaultFps?: { fps: number; video: string; decode: DecodeReport; error: LocalisationError; hitRates: GroundingHitRate[]; chunks: GroundedChunk[] };
}

/** The `vlm-datagen quilt` default frame rate for videos. */
export const DEFAULT_QUILT_FPS = 2;

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
  const hitRates = (['utterance', 'quilt'] as const).map((mode) => groundingHitRate(pipeline.chunks, video.narratedRegions, mode));
  const result: QuiltDemoResult = { video, pipeline, error: localisationError(hits, truth), framesInChunks: hits.length, hitRates };
  const ffmpeg = findFfmpeg();
  if (ffmpeg) {
    // Encode the rendered frames as a real video and run the grounding stage on it at the CLI's default rate.
    const file = join(outDir, 'demo.mp4');
    const ext = options.video?.jpegQuality === undefined ? 'png' : 'jpg';
    await promisify(execFile)(ffmpeg.path, ['-hide_banner', '-loglevel', 'error', '-y', '-framerate', String(video.fps), '-i', join(video.dir, `frame_%06d.${ext}`), '-c:v', 'libx264', '-crf', '18', '-pix_fmt', 'yuv420p', file]);
    const fps = DEFAULT_QUILT_FPS;
    const decode = decodeVideo(file, { fps, ffmpeg: ffmpeg.path, duration: video.frames.length / video.fps, sourceFps: video.fps });
    const checkDir = join(outDir, `at-${fps}-fps`);
    await rm(checkDir, { recursive: true, force: true });
    const chunks = await groundVideo(decode.frames(), utterances, { videoId: 'demo', outDir: checkDir, seed: options.seed ?? 0, cursor: options.cursor });
    // The known cursor at each decoded frame's own time: the rendered frame with that time.
    const truthAt = chunks.flatMap((c) => c.frameTimes.map((t) => video.frames[Math.min(video.frames.length - 1, Math.round(t * video.fps))]!.cursor));
    result.atDefaultFps = {
      fps,
      video: file,
      decode: await decode.report(),
      error: localisationError(chunks.flatMap((c) => c.hits), truthAt),
      hitRates: (['utterance', 'quilt'] as const).map((mode) => groundingHitRate(chunks, video.narratedRegions, mode)),
      chunks,
    };
  }
  return result;
}
