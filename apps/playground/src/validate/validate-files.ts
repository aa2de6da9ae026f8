import { recordImages, resolveImagePath, validateDataset, type LlavaRecord } from '@vlm/core';
import { parseDatasetText, serializeDataset, type ParsedDataset } from '../shared/parse-dataset-text';

/** One problem of one row, as the page lists it. */
export interface RowIssue {
  row: number;
  id?: string;
  field: string;
  /** Reason code: `json_syntax`, `schema`, `roles_out_of_order`, `image_missing`, `image_undecodable`, ... */
  code: string;
  reason: string;
}

/** Everything the validate page shows. */
export interface FileValidation {
  file: string;
  format: ParsedDataset['format'];
  records: number;
  validRecords: number;
  issues: RowIssue[];
  counts: Record<string, number>;
  /** Whether image files were checked (an image folder was given). */
  imagesChecked: boolean;
  imagesDecoded: number;
  /** The rows without any issue, in their input format. */
  cleanText: string;
}

/** Answers whether an image decodes (the page uses `createImageBitmap`). */
export type DecodeImage = (image: Blob) => Promise<boolean>;

/** The image folder as dropped: files by their path (`images/a.png`) and the folder the paths are relative to. */
export interface ImageFolder {
  root: string;
  files: ReadonlyMap<string, Blob>;
}

/** The common top folder of dropped files (`images` for `images/a.png`, `images/x/b.png`), or ''. */
export function imageFolderOf(files: readonly { path: string; file: Blob }[]): ImageFolder {
  const tops = new Set(files.map((f) => (f.path.includes('/') ? f.path.slice(0, f.path.indexOf('/')) : '')));
  const root = tops.size === 1 ? [...tops][0]! : '';
  return { root, files: new Map(files.map((f) => [f.path, f.file])) };
}

/**
 * Validates a dataset text against an image folder: JSON per row, the LLaVA schema, roles, `<image>`
 * counts and paths (all from `validateDataset` in @vlm/core), then decodes every image a row names.
 * Every bad row is listed; the clean subset keeps the others.
 */
export async function validateFiles(text: string, file: string, folder: ImageFolder | undefined, decode: DecodeImage): Promise<FileValidation> {
  const dataset = parseDatasetText(text, file);
  const issues: RowIssue[] = [];
  for (const r of dataset.rows) if (r.error) issues.push({ row: r.row, field: 'record', code: 'json_syntax', reason: r.error.message });
  // Rows that are not JSON are passed as null so row numbers stay aligned; their schema issue is dropped.
  const values = dataset.rows.map((r) => (r.error ? null : r.value));
  const notJson = new Set(dataset.rows.filter((r) => r.error).map((r) => r.row));
  const report = await validateDataset(values, {
    file,
    imageRoot: folder?.root,
    imageExists: folder ? (path) => folder.files.has(path) : undefined,
  });
  for (const issue of report.issues) {
    if (notJson.has(issue.row!)) continue;
    const colon = issue.reason.indexOf(': ');
    issues.push({ row: issue.row!, id: issue.id, field: issue.field ?? 'record', code: issue.reason.slice(0, colon), reason: issue.reason.slice(colon + 2) });
  }

  let decoded = 0;
  if (folder) {
    const bad = new Set(issues.map((i) => i.row));
    const results = new Map<string, Promise<boolean>>();
    const checks: Promise<void>[] = [];
    values.forEach((value, row) => {
      if (bad.has(row)) return;
      const record = value as LlavaRecord;
      recordImages(record).forEach((path, k) => {
        const resolved = resolveImagePath(folder.root, path);
        const blob = resolved === undefined ? undefined : folder.files.get(resolved);
        if (!blob || resolved === undefined) return;
        let result = results.get(resolved);
        if (!result) {
          result = decode(blob).catch(() => false);
          results.set(resolved, result);
        }
        checks.push(
          result.then((ok) => {
            if (ok) return;
            const field = Array.isArray(record.image) ? `image[${k}]` : 'image';
            issues.push({ row, id: String(record.id), field, code: 'image_undecodable', reason: `${resolved} is not an image the browser can decode` });
          }),
        );
      });
    });
    await Promise.all(checks);
    for (const ok of await Promise.all(results.values())) if (ok) decoded++;
  }

  issues.sort((a, b) => a.row - b.row);
  const badRows = new Set(issues.map((i) => i.row));
  const counts: Record<string, number> = {};
  for (const i of issues) counts[i.code] = (counts[i.code] ?? 0) + 1;
  const clean = dataset.rows.filter((r) => !badRows.has(r.row)).map((r) => r.value);
  return {
    file,
    format: dataset.format,
    records: dataset.rows.length,
    validRecords: dataset.rows.length - badRows.size,
    issues,
    counts,
    imagesChecked: folder !== undefined,
    imagesDecoded: decoded,
    cleanText: serializeDataset(clean, dataset.format),
  };
}
