import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';

import { llavaRecordSchema, VlmError } from '@vlm/core';

import { scanJsonl } from '../jsonl/scan-jsonl';
import { parseDelimited } from './parse-delimited';

/** One (image, caption) pair to expand. */
export interface CaptionPair {
  id: string;
  image: string;
  caption: string;
}

/** Column / field names to read (defaults cover the common spellings). */
export interface CaptionPairFields {
  image?: string;
  caption?: string;
  id?: string;
}

const imageNames = ['image', 'file_name', 'filename', 'image_path', 'path', 'url'];
const captionNames = ['caption', 'text', 'blip_caption', 'description'];
const idNames = ['id', 'image_id', 'key'];

function pick(value: Record<string, unknown>, preferred: string | undefined, names: string[]): string | undefined {
  for (const name of preferred ? [preferred] : names) {
    const v = value[name];
    if (typeof v === 'string' && v.trim()) return v.trim();
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

function idFromImage(image: string, row: number): string {
  const stem = basename(image, extname(image));
  return stem || String(row);
}

/**
 * Reads (image, caption) pairs from a LLaVA JSON file (image + first answer), a JSON array or JSONL
 * of objects, or a CSV/TSV file with a header. Every bad row is reported in one error with its row.
 */
export function readCaptionPairs(path: string, fields: CaptionPairFields = {}): CaptionPair[] {
  const ext = extname(path).toLowerCase();
  const pairs: CaptionPair[] = [];
  const problems: string[] = [];
  const fromObject = (value: unknown, row: number) => {
    if (typeof value !== 'object' || value === null) {
      problems.push(`row ${row}: not an object`);
      return;
    }
    const object = value as Record<string, unknown>;
    if (Array.isArray(object.conversations)) {
      const record = llavaRecordSchema.safeParse(object);
      const answer = record.success ? record.data.conversations.find((t) => t.from === 'gpt')?.value : undefined;
      const image = record.success && typeof record.data.image === 'string' ? record.data.image : undefined;
      if (!record.success || !answer || !image) problems.push(`row ${row}: LLaVA record without a single image and an answer`);
      else pairs.push({ id: record.data.id, image, caption: answer.trim() });
      return;
    }
    const image = pick(object, fields.image, imageNames);
    const caption = pick(object, fields.caption, captionNames);
    if (!image || !caption) {
      problems.push(`row ${row}: needs ${[!image && 'an image', !caption && 'a caption'].filter(Boolean).join(' and ')}`);
      return;
    }
    pairs.push({ id: pick(object, fields.id, idNames) ?? idFromImage(image, row), image, caption });
  };

  if (ext === '.csv' || ext === '.tsv') {
    const rows = parseDelimited(readFileSync(path, 'utf8'), ext === '.tsv' ? '\t' : ',');
    const header = rows.shift()?.fields.map((h) => h.trim()) ?? [];
    rows.forEach((row, i) => {
      if (row.fields.length !== header.length) {
        problems.push(`row ${i} (line ${row.line}): ${row.fields.length} fields, header has ${header.length}`);
        return;
      }
      fromObject(Object.fromEntries(header.map((h, j) => [h, row.fields[j]])), i);
    });
  } else if (ext === '.jsonl') {
    const scan = scanJsonl(path, (line) => fromObject(line.value, line.row));
    for (const row of scan.badRows) problems.push(`row ${row}: not valid JSON`);
  } else if (ext === '.json') {
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new VlmError('caption_file_invalid', `Not valid JSON: ${(error as Error).message}`, { location: { file: path } });
    }
    if (!Array.isArray(data)) throw new VlmError('caption_file_invalid', 'A JSON caption file must hold an array.', { location: { file: path } });
    data.forEach(fromObject);
  } else {
    throw new VlmError('caption_file_format', `Unknown caption file type ${JSON.stringify(ext)}.`, {
      location: { file: path },
      hint: 'Use .json (LLaVA JSON or an array of {image, caption}), .jsonl, .csv or .tsv.',
    });
  }
  if (problems.length > 0) {
    throw new VlmError('caption_pairs_invalid', `${problems.length} bad row(s):\n  ${problems.slice(0, 10).join('\n  ')}${problems.length > 10 ? `\n  ... and ${problems.length - 10} more` : ''}`, {
      location: { file: path },
      hint: `Each row needs an image (${imageNames.join('/')}) and a caption (${captionNames.join('/')}); pick other names with --image-field/--caption-field.`,
    });
  }
  return pairs;
}
