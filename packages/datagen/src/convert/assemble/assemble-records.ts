import { IMAGE_TOKEN, type LlavaRecordInput, type LlavaTurn, type Rng } from '@vlm/core';

import type { ConverterItem, PairFields, QaPair } from './qa-pair';

/** How pairs become records. */
export interface AssembleOptions {
  source: string;
  merge: boolean;
  rng: Rng;
  maxTurns?: number;
  imagePosition?: 'before' | 'after' | 'random';
  /** Where a pair's `responseFormat` prompt goes: the record's `first` question (default, LLaVA-1.5) or `every` one. */
  responseFormatTurns?: 'first' | 'every';
  limit?: number;
}

/** Counts of what the assembler wrote. */
export interface AssembleCounts {
  pairs: number;
  records: number;
  turns: number;
}

function withImageToken(question: string, position: 'before' | 'after'): string {
  if (question.includes(IMAGE_TOKEN)) return question;
  return position === 'before' ? `${IMAGE_TOKEN}\n${question}` : `${question}\n${IMAGE_TOKEN}`;
}

function mergedFields(pairs: readonly QaPair[]): PairFields | Record<string, (string | number | boolean | null)[]> {
  if (pairs.length === 1) return pairs[0]!.fields ?? {};
  // Per-turn facts of a merged record become arrays aligned with its question-answer rounds.
  const names = new Set<string>();
  for (const p of pairs) for (const k of Object.keys(p.fields ?? {})) names.add(k);
  const out: Record<string, (string | number | boolean | null)[]> = {};
  for (const name of names) out[name] = pairs.map((p) => p.fields?.[name] ?? null);
  return out;
}

/** Builds one record from pairs about the same image (already in their final order). */
export function pairsToRecord(
  id: string,
  pairs: readonly QaPair[],
  options: Pick<AssembleOptions, 'source' | 'rng' | 'imagePosition' | 'responseFormatTurns'>,
): LlavaRecordInput {
  const first = pairs[0]!;
  const conversations: LlavaTurn[] = [];
  pairs.forEach((pair, k) => {
    let question = pair.question;
    if (pair.responseFormat && (k === 0 || options.responseFormatTurns === 'every')) question = `${question}\n${pair.responseFormat}`;
    if (k === 0 && first.image !== undefined) {
      const mode = options.imagePosition ?? 'before';
      const position = mode === 'random' ? (options.rng.fork(id).bool() ? 'before' : 'after') : mode;
      question = withImageToken(question, position);
    }
    conversations.push({ from: 'human', value: question }, { from: 'gpt', value: pair.answer });
  });
  const record: LlavaRecordInput = { id, ...(first.image !== undefined ? { image: first.image } : {}), conversations };
  return { ...record, source: options.source, ...mergedFields(pairs) };
}

/**
 * Turns a converter's items into records and hands each to `write`. Single-turn records are written as
 * they arrive; when merging, only the compact pairs are held (grouped by image, in first-seen order) until
 * the source ends, then each image's pairs are shuffled with a seed derived from the image, so the turn
 * order does not depend on file order or on other images.
 * Ids follow one rule: a single-turn record takes its question's id; a merged record takes its image's
 * id (`groupId`), whether the image has one question or many, and a record split off by `maxTurns`
 * takes `<image id>-<part>`.
 */
export async function assembleRecords(
  items: AsyncIterable<ConverterItem>,
  options: AssembleOptions,
  write: (record: LlavaRecordInput) => Promise<void>,
): Promise<AssembleCounts> {
  const counts: AssembleCounts = { pairs: 0, records: 0, turns: 0 };
  const groups = new Map<string, QaPair[]>();
  const emit = async (record: LlavaRecordInput) => {
    counts.records++;
    counts.turns += record.conversations.filter((t) => t.from === 'human').length;
    await write(record);
  };
  for await (const item of items) {
    if (options.limit !== undefined && counts.pairs >= options.limit) break;
    if ('record' in item) {
      counts.pairs++;
      await emit({ ...item.record, source: options.source });
      continue;
    }
    const pair = item.pair;
    counts.pairs++;
    if (!options.merge || pair.image === undefined) {
      await emit(pairsToRecord(pair.id, [pair], options));
      continue;
    }
    const group = groups.get(pair.image);
    if (group) group.push(pair);
    else groups.set(pair.image, [pair]);
  }
  const maxTurns = options.maxTurns && options.maxTurns > 0 ? options.maxTurns : Infinity;
  for (const [image, pairs] of groups) {
    groups.delete(image);
    const ordered = pairs.length > 1 ? options.rng.fork(image).shuffle(pairs) : pairs;
    const groupId = pairs[0]!.groupId ?? pairs[0]!.id;
    for (let start = 0, part = 0; start < ordered.length; start += maxTurns, part++) {
      const chunk = ordered.slice(start, start + maxTurns);
      const id = part === 0 ? groupId : `${groupId}-${part}`;
      await emit(pairsToRecord(id, chunk, options));
    }
  }
  return counts;
}
