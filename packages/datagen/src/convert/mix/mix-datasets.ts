import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { IMAGE_TOKEN, createRng, formatError, llavaRecordSchema, recordImages, type LlavaRecord } from '@vlm/core';

import { NearDuplicateFilter } from '../../dedupe/near-duplicates';
import { schemaReason } from '../sources/rows';
import { IssueLog, type ConversionIssue } from '../issues';
import { LlavaWriter, type LlavaOutputFormat } from '../io/llava-writer';
import { readRecordFile } from '../io/read-records';
import { planMixture, type MixSource } from './mix-plan';
import type { TokenCounter } from './token-counter';
import { mixStatsMarkdown, type MixSourceStats, type MixStats } from './mix-stats';

/** Options of {@link mixDatasets}. */
export interface MixOptions {
  output: string;
  format?: LlavaOutputFormat;
  seed?: number | string;
  /** Size of the mixture; weights are then shares of it. Without it weights multiply each source's size. */
  total?: number;
  /** Drop records whose (image, questions) an earlier record already has (default true). */
  dedupe?: boolean;
  /** Also drop near-duplicates across all sources: records whose normalised conversation text repeats (default false). */
  dedupeText?: boolean;
  /** Shuffle the mixture (default true); false keeps the sources in order. */
  shuffle?: boolean;
  tokens?: TokenCounter;
  /** Where the statistics go: `<statsPrefix>.json` and `<statsPrefix>.md` (default: the output without its extension + `.stats`). */
  statsPrefix?: string;
  onIssue?: (issue: ConversionIssue) => void;
}

/** The mixture's statistics plus the invalid rows found. */
export interface MixResult {
  stats: MixStats;
  issues: ConversionIssue[];
  statsFiles: { json: string; markdown: string };
}

/**
 * The de-duplication key of a record: its images and its human questions, with the image token, case and
 * spacing ignored, so the same question about the same image from two sources counts once.
 */
export function dedupeKey(record: LlavaRecord): string {
  const questions = record.conversations
    .filter((t) => t.from === 'human')
    .map((t) => t.value.replaceAll(IMAGE_TOKEN, ' ').replace(/\s+/g, ' ').trim().toLowerCase());
  return createHash('sha1').update(`${recordImages(record).join('\u0001')}\u0000${questions.join('\u0002')}`).digest('base64');
}

function sampleIndices(available: number, target: number, rng: ReturnType<typeof createRng>): number[] {
  const out: number[] = [];
  const copies = available > 0 ? Math.floor(target / available) : 0;
  for (let c = 0; c < copies; c++) for (let k = 0; k < available; k++) out.push(k);
  const rest = target - copies * available;
  if (rest > 0) {
    const all = Array.from({ length: available }, (_, k) => k);
    out.push(...rng.shuffle(all).slice(0, rest).sort((a, b) => a - b));
  }
  return out;
}

/**
 * Combines LLaVA datasets into one mixture: reads each source (JSON array or JSONL) record by record,
 * validates and de-duplicates by (image, questions), picks each source's share with a seed, shuffles,
 * writes the mixture and a statistics report (records, turns, tokens per source) as JSON and Markdown.
 * Records are held once, as compact JSON text, between reading and writing.
 */
export async function mixDatasets(sources: readonly MixSource[], options: MixOptions): Promise<MixResult> {
  const seed = options.seed ?? 0;
  const rng = createRng(seed);
  const issues = new IssueLog(options.onIssue);
  const seen = new Set<string>();
  const nearDuplicates = options.dedupeText ? new NearDuplicateFilter() : undefined;
  const texts: string[][] = [];
  const stats: MixSourceStats[] = [];
  for (const source of sources) {
    const kept: string[] = [];
    const s: MixSourceStats = { name: source.name, file: source.file, read: 0, invalid: 0, duplicates: 0, ...(nearDuplicates ? { nearDuplicates: 0 } : {}), available: 0, records: 0, turns: 0, withImage: 0, share: 0 };
    for await (const event of readRecordFile(source.file)) {
      s.read++;
      const where = { file: source.file, line: event.line, index: event.index };
      if (event.error !== undefined) {
        s.invalid++;
        issues.add({ ...where, reason: event.error });
        continue;
      }
      const parsed = llavaRecordSchema.safeParse(event.value);
      if (!parsed.success) {
        s.invalid++;
        issues.add({ ...where, reason: schemaReason(parsed.error) });
        continue;
      }
      if (options.dedupe ?? true) {
        const key = dedupeKey(parsed.data);
        if (seen.has(key)) {
          s.duplicates++;
          continue;
        }
        seen.add(key);
      }
      if (nearDuplicates?.isDuplicate(parsed.data)) {
        s.nearDuplicates! += 1;
        continue;
      }
      const record = parsed.data;
      kept.push(JSON.stringify(record.source === undefined ? { ...record, source: source.name } : record));
    }
    s.available = kept.length;
    texts.push(kept);
    stats.push(s);
  }
  const targets = planMixture(sources, stats.map((s) => s.available), options.total);
  // [source, index] pairs of the mixture, packed two per record.
  const picks: number[] = [];
  targets.forEach((target, k) => {
    for (const index of sampleIndices(stats[k]!.available, target, rng.fork(`source ${k}`))) picks.push(k, index);
  });
  let order = Array.from({ length: picks.length / 2 }, (_, k) => k);
  if (options.shuffle ?? true) order = rng.fork('order').shuffle(order);

  const writer = await LlavaWriter.open(options.output, options.format);
  let tokenTotal = 0;
  let trainedTotal = 0;
  try {
    for (const k of order) {
      const s = stats[picks[2 * k]!]!;
      const text = texts[picks[2 * k]!]![picks[2 * k + 1]!]!;
      const record = JSON.parse(text) as LlavaRecord;
      s.records++;
      s.turns += record.conversations.filter((t) => t.from === 'human').length;
      if (record.image !== undefined) s.withImage++;
      if (options.tokens) {
        let n = { tokens: 0, trained: 0 };
        try {
          n = options.tokens.count(record, writer.count);
        } catch (error) {
          // The record stays in the mixture (it is valid LLaVA data); its tokens are reported missing.
          issues.add({ file: s.file, key: record.id, reason: `could not be tokenised: ${formatError(error)}` });
        }
        s.tokens = (s.tokens ?? 0) + n.tokens;
        s.trainedTokens = (s.trainedTokens ?? 0) + n.trained;
        tokenTotal += n.tokens;
        trainedTotal += n.trained;
      }
      await writer.writeRaw(text);
    }
  } finally {
    await writer.close();
  }
  const records = writer.count;
  for (const s of stats) s.share = records > 0 ? s.records / records : 0;
  const result: MixStats = {
    output: options.output,
    seed,
    ...(options.total !== undefined ? { total: options.total } : {}),
    ...(options.tokens ? { tokenizer: options.tokens.name, tokens: tokenTotal, trainedTokens: trainedTotal } : {}),
    records,
    turns: stats.reduce((a, s) => a + s.turns, 0),
    duplicates: stats.reduce((a, s) => a + s.duplicates, 0),
    ...(nearDuplicates ? { nearDuplicates: nearDuplicates.removed } : {}),
    invalid: stats.reduce((a, s) => a + s.invalid, 0),
    sources: stats,
  };
  const prefix = options.statsPrefix ?? `${options.output.replace(/\.jsonl?$/, '')}.stats`;
  const statsFiles = { json: `${prefix}.json`, markdown: `${prefix}.md` };
  await mkdir(dirname(prefix), { recursive: true });
  await writeFile(statsFiles.json, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(statsFiles.markdown, mixStatsMarkdown(result));
  return { stats: result, issues: issues.kept, statsFiles };
}
