// `vlm-datagen quilt`: cursor-grounded instructions from a narrated video, or the built-in demo.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { VlmError } from '@vlm/core';
import { defineCommand } from '@vlm/core/node';
import {
  checkTranscript,
  decodeVideo,
  describeFrameFiles,
  engineTeacherChat,
  hashFile,
  hashJson,
  listFrameFolder,
  probeVideo,
  readTranscript,
  requireFfmpeg,
  runQuiltDemo,
  runQuiltPipeline,
  symbolicQuiltTeacher,
  type GroundingHitRate,
  type GroundingMode,
  type QuiltInstructionKind,
} from '@vlm/datagen';

import { numberFlag, teacherFlags, teacherFromFlags, teacherUsage } from './teacher-flags';

const usage = [
  'usage: vlm-datagen quilt --demo [--out-dir <dir>] [--width 640] [--height 360] [--fps 8] [--jpeg-quality <q>]',
  '       vlm-datagen quilt (--video <file> | --frames <dir>) --transcript <file.srt|.vtt|.json> --out-dir <dir> [options]',
  '',
  'input:  --video <file>        decoded with ffmpeg ($VLM_FFMPEG, PATH, or the bundled npm binary) at --fps (default 2),',
  '                              each frame at its true presentation time; nothing but median frames and trace pictures is written',
  '        --frames <dir>        images with timestamps.json ([{"file","t"}]) or taken in name order at --fps',
  '        --transcript <file>   SRT, WebVTT or Whisper-style JSON; utterances outside the video are skipped and counted',
  'cursor: --threshold <0-255>   difference threshold (default 64)   --anchor tip|centroid|peak (default tip)',
  'ground: --grounding utterance|quilt   utterance (default): each sentence on the cursor points of its own time window;',
  '                              quilt: the upstream whole-chunk clustering. Both are written to grounded.json',
  '        --lead <s> --lag <s>  widen each sentence window before its first / after its last word (default 0)',
  'checks: --strict              fail (before any teacher call) on decode errors or fewer frames than duration x fps',
  '        --force               the out-dir holds a run of another video/transcript/options: delete it and start fresh',
  'output: --out-dir <dir>       images/, traces/, grounded.json, instructions.jsonl, quilt_instruct.json',
  '        --kinds conversation,detail,complex_reasoning,iterative_abduction (default all)',
  '        --symbolic            rule-based teacher (offline); otherwise the teacher options below',
  '        --seed <n>',
  '',
  teacherUsage,
].join('\n');

const KINDS: QuiltInstructionKind[] = ['conversation', 'detail', 'complex_reasoning', 'iterative_abduction'];

function px(v: number): string {
  return Number.isFinite(v) ? `${v.toFixed(2)} px` : 'n/a';
}

export const quiltCommand = defineCommand(
  {
    summary: 'Quilt: cursor-grounded instructions from a narrated video, or the built-in demo',
    usage,
    options: {
      ...teacherFlags,
      demo: { type: 'boolean' },
      video: { type: 'string' },
      frames: { type: 'string' },
      transcript: { type: 'string' },
      'out-dir': { type: 'string' },
      fps: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      'jpeg-quality': { type: 'string' },
      threshold: { type: 'string' },
      anchor: { type: 'string' },
      grounding: { type: 'string' },
      lead: { type: 'string' },
      lag: { type: 'string' },
      strict: { type: 'boolean' },
      force: { type: 'boolean' },
      kinds: { type: 'string' },
      symbolic: { type: 'boolean' },
      seed: { type: 'string' },
    },
  },
  async ({ values }) => {
    const anchor = values.anchor as 'tip' | 'centroid' | 'peak' | undefined;
    if (anchor !== undefined && !['tip', 'centroid', 'peak'].includes(anchor)) {
      throw new VlmError('bad_option', `--anchor must be tip, centroid or peak, got ${JSON.stringify(anchor)}`, { location: { field: 'anchor' } });
    }
    const cursor = { threshold: numberFlag(values, 'threshold', { min: 0 }), anchor };
    const seed = numberFlag(values, 'seed', { integer: true });
    const groundingMode = values.grounding as GroundingMode | undefined;
    if (groundingMode !== undefined && groundingMode !== 'utterance' && groundingMode !== 'quilt') {
      throw new VlmError('bad_option', `--grounding must be utterance or quilt, got ${JSON.stringify(groundingMode)}`, { location: { field: 'grounding' } });
    }
    const utteranceGrounding = { lead: numberFlag(values, 'lead', { min: 0 }), lag: numberFlag(values, 'lag', { min: 0 }) };

    if (values.demo) {
      const outDir = values['out-dir'] ?? (await mkdtemp(join(tmpdir(), 'vlm-quilt-demo-')));
      const started = Date.now();
      const result = await runQuiltDemo(outDir, {
        seed,
        cursor,
        video: {
          width: numberFlag(values, 'width', { integer: true, min: 64 }),
          height: numberFlag(values, 'height', { integer: true, min: 64 }),
          fps: numberFlag(values, 'fps', { min: 1 }),
          jpegQuality: numberFlag(values, 'jpeg-quality', { integer: true, min: 1 }),
        },
      });
      const { error, pipeline, video } = result;
      console.log(`rendered ${video.frames.length} frames (${video.width}x${video.height}) and a ${video.utterances.length}-utterance transcript in ${video.dir}`);
      console.log(`stable chunks: ${pipeline.chunks.length} (frames ${pipeline.chunks.map((c) => `${c.frameStart}-${c.frameEnd - 1}`).join(', ')})`);
      console.log(`cursor localisation vs the known path: ${error.detected}/${error.frames} frames detected, mean ${px(error.meanPx)}, median ${px(error.medianPx)}, p95 ${px(error.p95Px)}, max ${px(error.maxPx)}`);
      const rates = (list: GroundingHitRate[]) => list.map((r) => `${r.mode} ${r.hits}/${r.sentences} (mean IoU ${r.meanIou.toFixed(2)})`).join(', ');
      console.log(`grounding hit rate (sentence box IoU >= 0.5 with the region it names): ${rates(result.hitRates)}`);
      const check = result.atDefaultFps;
      if (check) {
        const e = check.error;
        console.log(`at the default --fps ${check.fps} (the demo as H.264, decoded by ffmpeg, ${check.decode.frames} frames at their own times): cursor ${e.detected}/${e.frames} detected, mean ${px(e.meanPx)}, median ${px(e.medianPx)}, max ${px(e.maxPx)}; grounding hit rate ${rates(check.hitRates)}`);
      } else {
        console.log('no ffmpeg: the check at the default --fps on an encoded video was skipped');
      }
      for (const chunk of pipeline.chunks) {
        console.log(`\n${chunk.id} (${chunk.startTime.toFixed(2)}-${chunk.endTime.toFixed(2)} s, ${chunk.traces.length} trace points) trace picture: ${join(outDir, chunk.tracePicture)}`);
        console.log(`  ${chunk.groundedCaption}`);
      }
      console.log(`\n${pipeline.records.length} instruction records (symbolic teacher) -> ${pipeline.files.dataset}`);
      if (pipeline.failures.length > 0) console.log(`${pipeline.failures.length} failed: ${pipeline.failures.map((f) => `${f.id}: ${f.reason}`).join('; ')}`);
      console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return 0;
    }

    const outDir = values['out-dir'];
    if (!outDir) throw new VlmError('missing_option', 'quilt needs --out-dir (or --demo)', { location: { field: 'out-dir' }, hint: usage });
    if (!values.transcript) throw new VlmError('missing_option', 'quilt needs --transcript', { location: { field: 'transcript' }, hint: usage });
    if (Boolean(values.video) === Boolean(values.frames)) {
      throw new VlmError('missing_option', 'give exactly one of --video and --frames', { location: { field: values.video ? 'frames' : 'video' }, hint: usage });
    }
    const fps = numberFlag(values, 'fps', { min: 0.01 });
    const kinds = values.kinds?.split(',').map((k) => k.trim());
    for (const kind of kinds ?? []) {
      if (!KINDS.includes(kind as QuiltInstructionKind)) throw new VlmError('bad_option', `unknown kind ${JSON.stringify(kind)}`, { location: { field: 'kinds' }, hint: `kinds: ${KINDS.join(', ')}` });
    }

    // Every input is read and checked before any frame is decoded.
    const allUtterances = await readTranscript(values.transcript);
    // An empty transcript fails here, before ffmpeg is even asked about the video.
    checkTranscript(allUtterances, { file: values.transcript });
    let duration: number;
    let inputKey: string;
    let frames: Parameters<typeof runQuiltPipeline>[0];
    if (values.video) {
      const ffmpeg = requireFfmpeg();
      console.error(`ffmpeg: ${ffmpeg.path} (from ${ffmpeg.from})`);
      const probe = await probeVideo(values.video, { ffmpeg: ffmpeg.path });
      duration = probe.duration;
      const decodeFps = fps ?? 2;
      inputKey = hashJson({ video: await hashFile(values.video), fps: decodeFps });
      frames = decodeVideo(values.video, { fps: decodeFps, ffmpeg: ffmpeg.path, duration: probe.duration, sourceFps: probe.fps });
      console.error(`video: ${probe.width}x${probe.height}, ${probe.duration.toFixed(2)} s${probe.fps ? ` at ${probe.fps} fps` : ''}; decoding at ${decodeFps} fps`);
    } else {
      const list = await listFrameFolder(values.frames!, { fps });
      const times = list.map((f) => f.t);
      const step = times.length > 1 ? (times[times.length - 1]! - times[0]!) / (times.length - 1) : 0;
      duration = (times[times.length - 1] ?? 0) + step;
      inputKey = await describeFrameFiles(list);
      frames = list;
    }
    const check = checkTranscript(allUtterances, { duration, file: values.transcript });
    if (check.skipped.length > 0) {
      console.error(`transcript: ${check.skipped.length} of ${allUtterances.length} utterances lie outside the video (0-${duration.toFixed(2)} s) and are skipped`);
    }
    const engine = values.symbolic ? undefined : teacherFromFlags(values, outDir);
    try {
      const result = await runQuiltPipeline(frames, allUtterances, {
        videoId: 'video',
        outDir,
        seed,
        cursor,
        groundingMode,
        utteranceGrounding,
        duration,
        inputKey,
        force: values.force,
        strict: values.strict,
        kinds: kinds as QuiltInstructionKind[] | undefined,
        teacher: engine ? engineTeacherChat(engine) : symbolicQuiltTeacher(),
        onProgress: (p) => {
          if (p.stage === 'instructions' && p.done % 10 === 0) console.error(`instructions ${p.done}/${p.total}`);
        },
      });
      const grounded = result.chunks.filter((c) => c.grounded).length;
      const frameCount = result.chunks.reduce((n, c) => n + c.frameEnd - c.frameStart, 0);
      const decoded = result.decode ? `${result.decode.frames} frames decoded` : result.groundingResumed ? 'grounding resumed from grounded.json' : `${frameCount} frames in chunks`;
      const sentences = result.chunks.flatMap((c) => c.groundings.utterance.sentences ?? []);
      console.log(`${decoded} -> ${result.chunks.length} stable chunks, ${grounded} grounded (${result.chunks[0]?.grounding ?? groundingMode ?? 'utterance'} grounding; ${sentences.filter((s) => s.box).length}/${sentences.length} sentences with a box)`);
      if (result.skippedUtterances > 0) console.log(`skipped ${result.skippedUtterances} utterance${result.skippedUtterances === 1 ? '' : 's'} outside the video`);
      for (const warning of result.warnings) console.log(`warning: ${warning}`);
      console.log(`${result.records.length} records (${result.resumed} resumed, ${result.failures.length} failed) -> ${result.files.dataset}`);
      if (engine) {
        const stats = engine.stats();
        console.log(`teacher: ${stats.answered} answered, ${stats.cacheHits} from cache, $${stats.costUsd.toFixed(4)}`);
      }
      return result.failures.length > 0 ? 1 : 0;
    } finally {
      await engine?.close();
    }
  },
);
