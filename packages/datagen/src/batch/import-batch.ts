import { VlmError } from '@vlm/core';

import { scanJsonl } from '../jsonl/scan-jsonl';
import type { Teacher } from '../teacher/teacher';

/** What an import found. */
export interface BatchImportReport {
  lines: number;
  /** Answers stored in the cache. */
  imported: number;
  /** Answers the cache already had. */
  alreadyCached: number;
  /** Lines with an error status or no content, by reason. */
  failed: Record<string, number>;
  /** Lines answered by another model than the teacher's (skipped: their keys would not match). */
  otherModel: number;
}

interface BatchOutputLine {
  custom_id?: string;
  response?: { status_code?: number; body?: { model?: string; choices?: Array<{ message?: { content?: unknown }; finish_reason?: unknown }>; usage?: { prompt_tokens?: number; completion_tokens?: number } } } | null;
  error?: { code?: string; message?: string } | null;
}

/**
 * Imports a Batch API output (or error) file into the teacher's cache, keyed by `custom_id` (the
 * request's content address from `exportBatch`). A generation run afterwards takes these answers from
 * the cache and parses, filters and writes them exactly as live answers.
 */
export async function importBatchResults(teacher: Pick<Teacher, 'model' | 'has' | 'store'>, resultsFile: string): Promise<BatchImportReport> {
  const report: BatchImportReport = { lines: 0, imported: 0, alreadyCached: 0, failed: {}, otherModel: 0 };
  const entries: BatchOutputLine[] = [];
  const scan = scanJsonl(resultsFile, (line) => entries.push(line.value as BatchOutputLine));
  if (scan.badRows.length > 0 || scan.tornBytes > 0) {
    throw new VlmError('batch_results_invalid', `Batch results file has ${scan.badRows.length} invalid line(s)${scan.tornBytes > 0 ? ' and a truncated last line' : ''}.`, {
      location: { file: resultsFile, row: scan.badRows[0] },
      hint: 'Download the file again (`vlm-datagen batch submit --poll` saves it).',
    });
  }
  const fail = (reason: string) => (report.failed[reason] = (report.failed[reason] ?? 0) + 1);
  for (const entry of entries) {
    report.lines += 1;
    const key = entry.custom_id;
    if (typeof key !== 'string' || !/^[0-9a-f]{64}$/.test(key)) {
      fail('unknown_custom_id');
      continue;
    }
    const body = entry.response?.body;
    if (entry.error || entry.response?.status_code !== 200 || !body) {
      fail(entry.error?.code ?? `http_${entry.response?.status_code ?? 'none'}`);
      continue;
    }
    const choice = body.choices?.[0];
    if (typeof choice?.message?.content !== 'string') {
      fail('malformed_response');
      continue;
    }
    // Batch answers name the dated model snapshot (gpt-4o-mini-2024-07-18); keys use the requested name.
    if (body.model && body.model !== teacher.model && !body.model.startsWith(`${teacher.model}-`)) {
      report.otherModel += 1;
      continue;
    }
    if (teacher.has(key)) {
      report.alreadyCached += 1;
      continue;
    }
    await teacher.store({
      key,
      model: teacher.model,
      content: choice.message.content,
      finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
      usage: { promptTokens: body.usage?.prompt_tokens ?? 0, completionTokens: body.usage?.completion_tokens ?? 0 },
      source: 'batch',
    });
    report.imported += 1;
  }
  return report;
}
