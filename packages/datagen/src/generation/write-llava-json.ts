import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { parseLlavaDataset, type LlavaRecord } from '@vlm/core';

import { removeNearDuplicates } from '../dedupe/near-duplicates';
import { scanJsonl } from '../jsonl/scan-jsonl';

/** The accepted records of a run's samples.jsonl, in order, each task counted once. */
export function readGeneratedRecords(samplesFile: string): Record<string, unknown>[] {
  const seen = new Set<string>();
  const records: Record<string, unknown>[] = [];
  scanJsonl(samplesFile, (line) => {
    const value = line.value as { taskId?: string; records?: Record<string, unknown>[] };
    if (typeof value.taskId !== 'string' || seen.has(value.taskId)) return;
    seen.add(value.taskId);
    records.push(...(value.records ?? []));
  });
  return records;
}

/** Writes JSON to a file atomically (temp file + rename), so a crash never leaves half a file. */
export function writeJsonAtomic(path: string, value: unknown, indent = 2): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, JSON.stringify(value, null, indent) + '\n');
  renameSync(temp, path);
}

/** Options of {@link writeLlavaJson}. */
export interface WriteLlavaJsonOptions {
  /** Drop records whose normalised conversation text repeats an earlier record's, dataset-wide. */
  dedupe?: boolean;
  /** Write the file even when no record was accepted (default false: an empty `[]` is never written). */
  allowEmpty?: boolean;
}

/**
 * Turns a run's samples.jsonl into the LLaVA JSON array (validated against the LLaVA schema; a bad
 * record is an error naming its row), written atomically. Returns the records and how many
 * near-duplicates were removed; with no record at all, nothing is written (`written: false`).
 */
export function writeLlavaJson(samplesFile: string, outFile: string, options: WriteLlavaJsonOptions = {}): LlavaRecord[] & { nearDuplicates: number; written: boolean } {
  let records = parseLlavaDataset(readGeneratedRecords(samplesFile), { file: samplesFile });
  let nearDuplicates = 0;
  if (options.dedupe) {
    const result = removeNearDuplicates(records);
    records = result.kept;
    nearDuplicates = result.removed;
  }
  const written = records.length > 0 || options.allowEmpty === true;
  if (written) writeJsonAtomic(outFile, records);
  return Object.assign(records, { nearDuplicates, written });
}
