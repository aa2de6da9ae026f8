import { IMAGE_TOKEN } from '../constants';
import { recordSchemaIssues, type DatasetIssue, type LlavaRecord } from '../schema/llava-record';
import { countImages } from '../format/image-placement';
import { resolveImagePath } from './image-paths';

/** Answers whether an image file exists; `@vlm/core/node` has one for the local file system. */
export type ImageExists = (resolvedPath: string) => boolean | Promise<boolean>;

/**
 * Decodes an existing image file and answers why it cannot be decoded (a 0-byte or truncated file,
 * not an image), or undefined when it decodes. `@vlm/train/node` has one built on sharp.
 */
export type ImageDecodes = (resolvedPath: string) => Promise<string | undefined>;

/** Options of `validateDataset`. */
export interface ValidateOptions {
  /** Folder the `image` paths are relative to; needed for the path and existence checks. */
  imageRoot?: string;
  /** File existence check (Node: `nodeImageExists` from `@vlm/core/node`). Without it files are not checked. */
  imageExists?: ImageExists;
  /** Full decode check of every existing image (needs `imageExists`); without it images are not decoded. */
  imageDecodes?: ImageDecodes;
  /** How many images are decoded at once (default 4). */
  decodeConcurrency?: number;
  /** File name for the issues. */
  file?: string;
  /** Allow a `system` turn first (default true). */
  allowSystemTurn?: boolean;
  /** Require `<image>` in the first human turn (default true, as upstream). */
  imageInFirstTurn?: boolean;
}

/** The outcome of `validateDataset`: every problem, never only the first. */
export interface ValidationReport {
  records: number;
  validRecords: number;
  issues: DatasetIssue[];
  /** Issue count per reason code. */
  counts: Record<string, number>;
}

const ROLES = new Set(['human', 'gpt', 'system']);
const nonEmptyString = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
const plainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * True when a record plainly satisfies `llavaRecordSchema` (checked field by field, at least as strictly
 * as the schema), so the schema parse, which is what reports issues, only runs for suspect records.
 */
function plainlyValid(value: unknown): boolean {
  if (!plainObject(value)) return false;
  const id = value.id;
  if (!nonEmptyString(id) && !(typeof id === 'number' && Number.isFinite(id))) return false;
  const image = value.image;
  if (image !== undefined && !nonEmptyString(image) && !(Array.isArray(image) && image.length > 0 && image.every(nonEmptyString))) return false;
  const turns = value.conversations;
  if (!Array.isArray(turns) || turns.length === 0) return false;
  for (const turn of turns) {
    if (!plainObject(turn) || typeof turn.value !== 'string' || !ROLES.has(turn.from as string)) return false;
  }
  return true;
}

/**
 * Checks a LLaVA dataset and lists every bad row with its index, id, field and reason: schema errors,
 * missing or extra `<image>`, roles out of order, empty answers, image paths escaping the image root,
 * missing image files, images that do not decode (with `imageDecodes`) and duplicate ids.
 */
export async function validateDataset(records: readonly unknown[], options: ValidateOptions = {}): Promise<ValidationReport> {
  const issues: DatasetIssue[] = [];
  const counts: Record<string, number> = {};
  const seen = new Map<string, number>();
  const bad = new Set<number>();
  const add = (row: number, id: string | undefined, field: string, code: string, reason: string) => {
    issues.push({ file: options.file, row, id, field, reason: `${code}: ${reason}` });
    counts[code] = (counts[code] ?? 0) + 1;
    bad.add(row);
  };
  const checks: Promise<void>[] = [];
  // Decoding holds whole images in memory, so it runs a few at a time, not all at once.
  const decodeQueue: Array<() => Promise<void>> = [];

  records.forEach((value, row) => {
    const schema = plainlyValid(value) ? [] : recordSchemaIssues(value, row);
    if (schema.length > 0) {
      for (const s of schema) add(row, s.id, s.field ?? 'record', 'schema', s.reason);
      return;
    }
    const record = value as LlavaRecord;
    const id = String(record.id);
    const first = seen.get(id);
    if (first !== undefined) add(row, id, 'id', 'duplicate_id', `id also used by row ${first}`);
    else seen.set(id, row);

    const images = record.image === undefined ? [] : Array.isArray(record.image) ? record.image : [record.image];
    let expected: 'human' | 'gpt' = 'human';
    let placeholders = 0;
    let firstHuman = -1;
    record.conversations.forEach((turn, i) => {
      const field = `conversations[${i}]`;
      const n = countImages(turn.value);
      placeholders += n;
      if (turn.from === 'system') {
        if (i !== 0 || options.allowSystemTurn === false) add(row, id, `${field}.from`, 'roles_out_of_order', 'a system turn may only come first');
        return;
      }
      if (turn.from !== expected) add(row, id, `${field}.from`, 'roles_out_of_order', `expected "${expected}", got "${turn.from}"`);
      expected = turn.from === 'human' ? 'gpt' : 'human';
      if (turn.from === 'human' && firstHuman < 0) firstHuman = i;
      if (turn.from === 'gpt' && turn.value.trim().length === 0) add(row, id, `${field}.value`, 'empty_answer', 'the answer is empty');
      if (turn.from === 'human' && turn.value.replaceAll(IMAGE_TOKEN, '').trim().length === 0 && images.length === 0) {
        add(row, id, `${field}.value`, 'empty_question', 'the question is empty');
      }
      if (n > 0 && turn.from === 'gpt') add(row, id, `${field}.value`, 'image_in_answer', '<image> inside an answer');
      if (n > 0 && turn.from === 'human' && i !== firstHuman && options.imageInFirstTurn !== false) {
        add(row, id, `${field}.value`, 'image_not_in_first_turn', '<image> outside the first human turn');
      }
    });
    if (!record.conversations.some((t) => t.from === 'gpt')) add(row, id, 'conversations', 'no_answer', 'no gpt turn');
    if (placeholders < images.length) add(row, id, 'conversations', 'missing_image_token', `${images.length} image(s) but ${placeholders} <image> placeholder(s)`);
    if (placeholders > images.length) add(row, id, images.length === 0 ? 'image' : 'conversations', 'extra_image_token', `${placeholders} <image> placeholder(s) but ${images.length} image(s)`);

    images.forEach((path, k) => {
      const field = Array.isArray(record.image) ? `image[${k}]` : 'image';
      if (options.imageRoot === undefined) return;
      const resolved = resolveImagePath(options.imageRoot, path);
      if (resolved === undefined) {
        add(row, id, field, 'image_path_escapes_root', `${JSON.stringify(path)} is outside the image root`);
        return;
      }
      const exists = options.imageExists;
      if (!exists) return;
      checks.push(
        Promise.resolve(exists(resolved)).then((ok) => {
          if (!ok) add(row, id, field, 'image_missing', `no file at ${resolved}`);
          else if (options.imageDecodes) {
            const decodes = options.imageDecodes;
            decodeQueue.push(async () => {
              const reason = await decodes(resolved);
              if (reason !== undefined) add(row, id, field, 'image_undecodable', reason);
            });
          }
        }),
      );
    });
  });
  await Promise.all(checks);
  const workers = Array.from({ length: Math.max(1, options.decodeConcurrency ?? 4) }, async () => {
    for (let job = decodeQueue.shift(); job; job = decodeQueue.shift()) await job();
  });
  await Promise.all(workers);
  issues.sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
  return { records: records.length, validRecords: records.length - bad.size, issues, counts };
}
