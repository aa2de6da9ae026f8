import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { createRng, VlmError } from '@vlm/core';

import { JsonlAppender } from '../../jsonl/jsonl-appender';
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
import type { Utterance } from '../transcript/utterance';
import { groundVideo, type GroundedChunk, type GroundVideoOptions } from './ground-video';

/** Options of the whole Quilt pipeline. */
export interface QuiltPipelineOptions extends GroundVideoOptions {
  teacher: TeacherChat;
  /** Instruction kinds to generate; default all four. */
  kinds?: QuiltInstructionKind[];
  /** Called after each step, for progress displays. */
  onProgress?: (event: { stage: 'grounding' | 'instructions'; done: number; total: number; id?: string }) => void;
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
}

const ALL_KINDS: QuiltInstructionKind[] = ['conversation', 'detail', 'complex_reasoning', 'iterative_abduction'];

/**
 * Runs Quilt end to end on one narrated video: grounding (stage 1, written once to `grounded.json`
 * and reused by reruns), then instruction generation (stage 2, one JSONL line per record, skipped on
 * rerun when present), then the LLaVA JSON array `quilt_instruct.json`.
 */
export async function runQuiltPipeline(frames: readonly { file: string; t: number }[], utterances: readonly Utterance[], options: QuiltPipelineOptions): Promise<QuiltPipelineResult> {
  const groundedFile = join(options.outDir, 'grounded.json');
  let chunks: GroundedChunk[];
  if (existsSync(groundedFile)) {
    chunks = JSON.parse(await readFile(groundedFile, 'utf8')) as GroundedChunk[];
  } else {
    if (frames.length === 0) throw new VlmError('quilt_no_frames', 'no frames to ground', { hint: 'check the video or frame folder' });
    chunks = await groundVideo(frames, utterances, options);
    // Written atomically so an interrupted run never leaves half a stage behind.
    await writeFile(`${groundedFile}.tmp`, JSON.stringify(chunks));
    await rename(`${groundedFile}.tmp`, groundedFile);
  }
  options.onProgress?.({ stage: 'grounding', done: chunks.length, total: chunks.length });

  const kinds = options.kinds ?? ALL_KINDS;
  const progressFile = join(options.outDir, 'instructions.jsonl');
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
  return { chunks, records, diagnosis, files: { grounded: groundedFile, progress: progressFile, dataset }, resumed, failures };
}
