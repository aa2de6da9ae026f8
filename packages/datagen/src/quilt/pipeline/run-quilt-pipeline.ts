import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { createRng, VlmError } from '@vlm/core';

import { JsonlAppender } from '../../jsonl/jsonl-appender';
import { TeacherError } from '../../teacher/teacher-error';
import {
  extractVideoDiagnosis,
  generateQuiltAbduction,
  generateQuiltConversation,
  generateQuiltDetail,
  generateQuiltReasoning,
  type GroundedImage,
  type QuiltInstructionKind,
  type QuiltRecord,
  type VideoDiagnosis,
} from '../instruct/generate-instructions';
import type { TeacherChat } from '../instruct/teacher-chat';
import type { DecodeReport, VideoDecode } from '../frames/decode-video';
import type { FrameInput } from '../frames/frame-source';
import { checkTranscript } from '../transcript/check-transcript';
import type { Utterance } from '../transcript/utterance';
import { groundVideo, type GroundedChunk, type GroundVideoOptions } from './ground-video';
import { describeFrameFiles, hashJson, QUILT_STATE_VERSION } from './run-key';

/** Options of the whole Quilt pipeline. */
export interface QuiltPipelineOptions extends GroundVideoOptions {
  teacher: TeacherChat;
  /** Instruction kinds to generate; default all four. */
  kinds?: QuiltInstructionKind[];
  /** Called after each step, for progress displays. */
  onProgress?: (event: { stage: 'grounding' | 'instructions'; done: number; total: number; id?: string }) => void;
  /** The video's duration in seconds: utterances outside it are skipped and counted. */
  duration?: number;
  /**
   * Identity of the frames (e.g. the sha256 of the video file and the decode options). Together with
   * the transcript, the grounding options and {@link QUILT_STATE_VERSION} it keys the saved state;
   * default for a list of frame files: their names, times and content hashes.
   */
  inputKey?: string;
  /** An out-dir holding the state of a different input is an error; `force` deletes that state and starts fresh. */
  force?: boolean;
  /** Decode warnings (errors, too few frames) fail the run after grounding, before any teacher call. */
  strict?: boolean;
}

/** What a run produced, and where. */
export interface QuiltPipelineResult {
  chunks: GroundedChunk[];
  records: QuiltRecord[];
  diagnosis?: VideoDiagnosis;
  /** `grounded.json`, `instructions.jsonl` (progress) and `quilt_instruct.json` (LLaVA array). */
  files: { grounded: string; progress: string; dataset: string };
  /** Ids skipped because a previous run had already produced them. */
  resumed: number;
  /** Records that failed (unparseable teacher output, ...), with the reason. */
  failures: { id: string; reason: string }[];
  /** Problems worth a line in the summary: decode errors, frames short of duration x fps. */
  warnings: string[];
  /** Utterances skipped because they lie outside the video. */
  skippedUtterances: number;
  /** The key of the saved state (hash of input, transcript and options). */
  key: string;
  /** True when grounding was read from an earlier run with the same key. */
  groundingResumed: boolean;
  /** How ffmpeg's decode went, when the frames came from a video decode in this run. */
  decode?: DecodeReport;
}

/** What `grounded.json` holds: the key it was made for, and stage 1's results. */
interface GroundedState {
  format: typeof STATE_FORMAT;
  key: string;
  warnings: string[];
  skippedUtterances: number;
  chunks: GroundedChunk[];
}

const STATE_FORMAT = `vlm-quilt-grounded/${QUILT_STATE_VERSION}` as const;

function isVideoDecode(input: FrameInput | VideoDecode): input is VideoDecode {
  return typeof (input as VideoDecode).frames === 'function' && typeof (input as VideoDecode).report === 'function';
}

/** Files and folders of a run; deleted by `force` when the out-dir holds another input's run. */
const RUN_FILES = ['grounded.json', 'instructions.jsonl', 'quilt_instruct.json', 'images', 'traces', 'frames'];

const ALL_KINDS: QuiltInstructionKind[] = ['conversation', 'detail', 'complex_reasoning', 'iterative_abduction'];

/**
 * Runs Quilt end to end on one narrated video: grounding (stage 1, written once to `grounded.json`
 * and reused by reruns), then instruction generation (stage 2, one JSONL line per record, skipped on
 * rerun when present), then the LLaVA JSON array `quilt_instruct.json`.
 */
export async function runQuiltPipeline(frames: FrameInput | VideoDecode, allUtterances: readonly Utterance[], options: QuiltPipelineOptions): Promise<QuiltPipelineResult> {
  let groundingResumed = false;
  let groundedDecode: DecodeReport | undefined;
  const { kept: utterances, skipped } = checkTranscript(allUtterances, { duration: options.duration });
  const groundedFile = join(options.outDir, 'grounded.json');
  const progressFile = join(options.outDir, 'instructions.jsonl');
  const inputKey = options.inputKey ?? (Array.isArray(frames) && !isVideoDecode(frames) ? await describeFrameFiles(frames as readonly { file: string; t: number }[]) : undefined);
  if (inputKey === undefined) {
    throw new VlmError('quilt_no_input_key', 'frames from a decode or an iterable need options.inputKey to key the saved state', { hint: 'pass inputKey, e.g. the sha256 of the video file' });
  }
  const key = hashJson({
    // A newer pipeline never resumes an older one's state, even for the same input and options.
    version: QUILT_STATE_VERSION,
    input: inputKey,
    utterances,
    videoId: options.videoId,
    seed: options.seed ?? 0,
    cursor: options.cursor,
    chunks: options.chunks,
    groundingMode: options.groundingMode ?? 'utterance',
    grounding: options.grounding,
    utteranceGrounding: options.utteranceGrounding,
    splitSentences: options.splitSentences ?? true,
  });
  let state: GroundedState | undefined;
  if (existsSync(groundedFile)) {
    let saved: Partial<GroundedState> | undefined;
    try {
      saved = JSON.parse(await readFile(groundedFile, 'utf8')) as Partial<GroundedState>;
    } catch {
      saved = undefined;
    }
    if (saved?.format === STATE_FORMAT && saved.key === key) state = saved as GroundedState;
  }
  if (!state) {
    const foreign = RUN_FILES.filter((f) => existsSync(join(options.outDir, f)));
    if (foreign.length > 0) {
      if (!options.force) {
        throw new VlmError('quilt_out_dir_in_use', `${options.outDir} holds a run of a different video, transcript or options (${foreign.join(', ')}); it is not reused`, {
          location: { file: options.outDir },
          hint: 'choose another --out-dir, or pass --force to delete that run and start fresh',
        });
      }
      await Promise.all(foreign.map((f) => rm(join(options.outDir, f), { recursive: true, force: true })));
    }
    let decode: DecodeReport | undefined;
    // groundVideo copies what it keeps of each frame, so the decoder reuses a handful of buffers.
    const chunks = await groundVideo(isVideoDecode(frames) ? frames.frames({ recycle: true }) : frames, utterances, options);
    if (isVideoDecode(frames)) decode = await frames.report();
    if (chunks.length === 0 && decode?.frames === 0) {
      throw new VlmError('quilt_no_frames', `ffmpeg decoded no frames: ${decode.warnings.join('; ') || 'the video is empty'}`, { hint: 'check the video with ffmpeg -i <video> -f null -' });
    }
    state = { format: STATE_FORMAT, key, warnings: decode?.warnings ?? [], skippedUtterances: skipped.length, chunks };
    // Written atomically so an interrupted run never leaves half a stage behind.
    await writeFile(`${groundedFile}.tmp`, JSON.stringify(state));
    await rename(`${groundedFile}.tmp`, groundedFile);
    groundedDecode = decode;
  } else {
    groundingResumed = true;
  }
  const chunks = state.chunks;
  const warnings = [...state.warnings];
  if (chunks.length === 0) warnings.push('no stable chunk of at least the minimum length was found: nothing was grounded');
  options.onProgress?.({ stage: 'grounding', done: chunks.length, total: chunks.length });
  if (options.strict && warnings.length > 0) {
    throw new VlmError('quilt_strict', `stopped before instruction generation (--strict): ${warnings.join('; ')}`, {
      location: { file: groundedFile },
      hint: 'fix or re-encode the video, or run without --strict to continue with the frames that were decoded',
    });
  }

  const kinds = options.kinds ?? ALL_KINDS;
  const done = new Map<string, QuiltRecord>();
  const failures: { id: string; reason: string }[] = [];
  const appender = JsonlAppender.open(progressFile, {
    durability: 'write',
    onExisting: (line) => {
      const value = line.value as { record?: QuiltRecord; failed?: { id: string; reason: string } };
      if (value.record) done.set(value.record.id, value.record);
    },
  });
  const resumed = done.size;
  const rng = createRng(options.seed ?? 0).fork('instructions');
  const needsDiagnosis = kinds.includes('complex_reasoning') || kinds.includes('iterative_abduction');
  let diagnosis: VideoDiagnosis | undefined;
  const images: GroundedImage[] = chunks.filter((c) => c.caption !== '').map((c) => ({ id: c.id, image: c.image, caption: c.groundedCaption, segments: c.segments }));
  const total = images.length * kinds.length;
  let count = 0;
  try {
    for (const image of images) {
      for (const kind of kinds) {
        const id = `${image.id}_${kind}`;
        // Each record draws from its own stream, so skipping done records does not shift the others.
        const local = rng.fork(id);
        count++;
        if (done.has(id)) continue;
        try {
          let produced: QuiltRecord | undefined;
          if (kind === 'conversation') produced = await generateQuiltConversation(image, options.teacher);
          else if (kind === 'detail') produced = await generateQuiltDetail(image, options.teacher, local);
          else {
            diagnosis ??= needsDiagnosis ? await extractVideoDiagnosis(utterances.map((u) => u.text).join(' '), options.teacher) : undefined;
            // Reasoning and abduction need a diagnosis to reason towards; videos without one are skipped, as upstream.
            if (!diagnosis?.diagnosis) continue;
            produced = kind === 'complex_reasoning' ? await generateQuiltReasoning(image, diagnosis, options.teacher) : await generateQuiltAbduction(image, diagnosis, options.teacher, local);
          }
          done.set(id, produced);
          await appender.append({ record: produced });
        } catch (error) {
          if (!(error instanceof VlmError)) throw error;
          // A failure every further request would repeat (auth, unknown model, wrong URL, unreachable server,
          // budget) stops the run at once; what was accepted so far stays in the run's JSONL and resumes.
          if (error instanceof TeacherError && error.fatal) throw error;
          failures.push({ id, reason: error.message });
          await appender.append({ failed: { id, reason: error.message } });
        }
        options.onProgress?.({ stage: 'instructions', done: count, total, id });
      }
    }
  } finally {
    await appender.close();
  }
  const order = new Map<string, number>(images.flatMap((image, i) => kinds.map((kind, k) => [`${image.id}_${kind}`, i * kinds.length + k] as const)));
  const records = [...done.values()].sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  const dataset = join(options.outDir, 'quilt_instruct.json');
  await writeFile(dataset, JSON.stringify(records, null, 1));
  return {
    chunks,
    records,
    diagnosis,
    files: { grounded: groundedFile, progress: progressFile, dataset },
    resumed,
    failures,
    warnings,
    skippedUtterances: skipped.length,
    key,
    groundingResumed,
    decode: groundedDecode,
  };
}
