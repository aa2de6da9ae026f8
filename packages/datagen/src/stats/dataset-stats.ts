import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { IMAGE_TOKEN, recordImages, type LlavaRecord } from '@vlm/core';

import { generationFiles } from '../generation/run-generation';
import { scanJsonl } from '../jsonl/scan-jsonl';
import { isCacheRejection } from '../teacher/response-cache';

/** Summary numbers of a LLaVA dataset. */
export interface DatasetStats {
  records: number;
  withImage: number;
  textOnly: number;
  multiImage: number;
  /** Question/answer rounds per record. */
  rounds: { min: number; mean: number; max: number };
  /** Mean words per human turn and per gpt turn. */
  meanWords: { question: number; answer: number };
  /** Where `<image>` sits in the first human turn. */
  imagePlacement: { before: number; after: number; elsewhere: number };
  byPromptId: Record<string, number>;
  byTeacher: Record<string, number>;
  byKind: Record<string, number>;
  bySource: Record<string, number>;
  duplicateIds: number;
}

const words = (text: string) => text.replace(IMAGE_TOKEN, ' ').split(/\s+/).filter(Boolean).length;

function bump(map: Record<string, number>, key: unknown): void {
  if (typeof key === 'string' && key) map[key] = (map[key] ?? 0) + 1;
}

/** Counts records, images, rounds, words, image placement, prompt ids, teachers, kinds and duplicate ids. */
export function datasetStats(records: readonly LlavaRecord[]): DatasetStats {
  const stats: DatasetStats = {
    records: records.length,
    withImage: 0,
    textOnly: 0,
    multiImage: 0,
    rounds: { min: records.length ? Infinity : 0, mean: 0, max: 0 },
    meanWords: { question: 0, answer: 0 },
    imagePlacement: { before: 0, after: 0, elsewhere: 0 },
    byPromptId: {},
    byTeacher: {},
    byKind: {},
    bySource: {},
    duplicateIds: 0,
  };
  const ids = new Set<string>();
  let questions = 0;
  let answers = 0;
  let questionWords = 0;
  let answerWords = 0;
  let roundsTotal = 0;
  for (const record of records) {
    if (ids.has(record.id)) stats.duplicateIds += 1;
    ids.add(record.id);
    const images = recordImages(record);
    if (images.length === 0) stats.textOnly += 1;
    else stats.withImage += 1;
    if (images.length > 1) stats.multiImage += 1;
    const rounds = record.conversations.filter((t) => t.from === 'gpt').length;
    roundsTotal += rounds;
    stats.rounds.min = Math.min(stats.rounds.min, rounds);
    stats.rounds.max = Math.max(stats.rounds.max, rounds);
    for (const turn of record.conversations) {
      if (turn.from === 'human') {
        questions += 1;
        questionWords += words(turn.value);
      } else if (turn.from === 'gpt') {
        answers += 1;
        answerWords += words(turn.value);
      }
    }
    const first = record.conversations.find((t) => t.from === 'human')?.value ?? '';
    if (first.includes(IMAGE_TOKEN)) {
      if (first.startsWith(IMAGE_TOKEN)) stats.imagePlacement.before += 1;
      else if (first.endsWith(IMAGE_TOKEN)) stats.imagePlacement.after += 1;
      else stats.imagePlacement.elsewhere += 1;
    }
    const extra = record as Record<string, unknown>;
    bump(stats.byPromptId, extra.prompt_id);
    bump(stats.byTeacher, extra.teacher_model);
    bump(stats.byKind, extra.kind);
    bump(stats.bySource, extra.source);
  }
  stats.rounds.mean = records.length ? roundsTotal / records.length : 0;
  stats.meanWords = { question: questions ? questionWords / questions : 0, answer: answers ? answerWords / answers : 0 };
  return stats;
}

/** What a generation output folder holds: accepted, rejected (by reason), failed (by code), cached answers. */
export interface GenerationRunStats {
  accepted: number;
  records: number;
  rejected: number;
  rejectReasons: Record<string, number>;
  failures: number;
  failureCodes: Record<string, number>;
  cachedAnswers: number;
}

/** Reads a generation output folder (samples/rejects/failures JSONL and the cache). */
export function generationRunStats(outDir: string): GenerationRunStats {
  const files = generationFiles(outDir);
  const stats: GenerationRunStats = { accepted: 0, records: 0, rejected: 0, rejectReasons: {}, failures: 0, failureCodes: {}, cachedAnswers: 0 };
  scanJsonl(files.samples, (line) => {
    stats.accepted += 1;
    stats.records += ((line.value as { records?: unknown[] }).records ?? []).length;
  });
  scanJsonl(files.rejects, (line) => {
    stats.rejected += 1;
    bump(stats.rejectReasons, (line.value as { reason?: unknown }).reason);
  });
  scanJsonl(files.failures, (line) => {
    stats.failures += 1;
    bump(stats.failureCodes, (line.value as { code?: unknown }).code);
  });
  const cache = join(outDir, 'cache', 'responses.jsonl');
  if (existsSync(cache)) {
    // Answers still served: a rejection line withdraws the answer cached before it under the same key.
    const answered = new Set<string>();
    scanJsonl(cache, (line) => {
      const key = (line.value as { key?: unknown }).key;
      if (typeof key !== 'string') return;
      if (isCacheRejection(line.value)) answered.delete(key);
      else answered.add(key);
    });
    stats.cachedAnswers = answered.size;
  }
  return stats;
}
