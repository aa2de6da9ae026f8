import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type ConversationRecord, type DatasetIssue, VlmError, formatError, getTemplate, validateDataset, type Tokenizer } from '@vlm/core';
import { nodeImageExists } from '@vlm/core/node';
import { ImageStore, type ImageStoreOptions } from '../data/image-store';
import { type TrainSample, prepareSample } from '../data/prepare-samples';
import type { TrainConfig } from './train-config';

/** A stage's data, checked and ready: tokenized samples and its images (already decoded once). */
export interface PreparedStage {
  samples: TrainSample[];
  images: ImageStore;
}

/** What {@link preflightStages} needs besides the config. */
export interface PreflightInput {
  config: TrainConfig;
  /** Indices of the stages that will train (a resumed run skips finished ones). */
  stageIndices: readonly number[];
  /** Resolves a path of the config (relative to its folder). */
  at: (path: string) => string;
  /** The run's tokenizer, or the error creating it raised (still reported with the data problems). */
  tokenizer: Tokenizer | Error;
  /** Positions one image takes after splicing. */
  imageTokens: number;
  image: Omit<ImageStoreOptions, 'root'>;
}

/** How many problems the preflight error lists; the rest are counted by code. */
export const PREFLIGHT_LISTED_PROBLEMS = 50;

// What to do about each dataset issue `validateDataset` reports (its reasons say what and where).
const ISSUE_HINTS: Record<string, string> = {
  schema: 'make the record a LLaVA record: { id, image?, conversations: [{ from: "human" | "gpt" | "system", value }] }',
  duplicate_id: 'give every record its own id',
  roles_out_of_order: 'conversations alternate human, gpt, human, gpt ... (a system turn only first)',
  empty_question: 'write the question or drop the row',
  empty_answer: 'write the answer or drop the row',
  no_answer: 'end the conversation with a gpt answer or drop the row',
  missing_image_token: 'put one <image> per image in the first human turn',
  extra_image_token: 'write one <image> per image listed in `image`; text-only records have none',
  image_not_in_first_turn: 'move <image> into the first human turn',
  image_in_answer: 'images belong in the first human turn; remove <image> from the gpt turn',
  image_path_escapes_root: 'image paths are relative to the stage\'s data.imageRoot and stay inside it: move the image there or fix the path',
  image_missing: 'put the image file at that path (under the stage\'s data.imageRoot) or fix the record\'s image path',
  image_undecodable: 'replace the file with a complete image (it is empty, cut short or not an image) or drop the row',
};

// Hints for tokenizing errors that do not carry one.
const TOKENIZE_HINTS: Record<string, string> = {
  stop_not_trained: 'the tokenizer merges the answer\'s end with the text after it; use another template or tokenizer, or drop the row',
  no_trained_tokens: 'the answer gives no trained token with this template and tokenizer; fix the answer or drop the row',
};

/** One thing wrong, with the config path it belongs to (`stages[1] (instruct).data`). */
interface Problem {
  where: string;
  error: VlmError;
}

function issueError(issue: DatasetIssue, file: string): VlmError {
  const colon = issue.reason.indexOf(': ');
  const code = colon > 0 && /^[a-z_]+$/.test(issue.reason.slice(0, colon)) ? issue.reason.slice(0, colon) : 'schema';
  const message = code === 'schema' && !issue.reason.startsWith('schema: ') ? issue.reason : issue.reason.slice(colon + 2);
  return new VlmError(code, message, { location: { file, row: issue.row, id: issue.id, field: issue.field }, hint: ISSUE_HINTS[code] ?? 'fix or drop the row' });
}

/**
 * Reads a LLaVA JSON array or JSONL file. A JSONL file gives every bad line as its own problem, and its
 * other lines are still checked (a bad line keeps its row, as `null`, so rows keep their numbers).
 */
async function readRows(file: string, problems: (error: VlmError) => void): Promise<{ rows: unknown[]; badRows: Set<number> } | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    problems(new VlmError('file_unreadable', `Cannot read ${file}.`, { location: { file }, cause, hint: 'check the stage\'s data.path (relative to the config file)' }));
    return undefined;
  }
  if (text.trimStart().startsWith('[')) {
    try {
      return { rows: JSON.parse(text) as unknown[], badRows: new Set() };
    } catch (cause) {
      problems(new VlmError('json_invalid', `${file} is not valid JSON: ${(cause as Error).message}`, { location: { file }, cause, hint: 'fix the JSON (a LLaVA file is one array of records, or JSONL: one record per line)' }));
      return undefined;
    }
  }
  const rows: unknown[] = [];
  const badRows = new Set<number>();
  text.split('\n').forEach((line, i) => {
    if (line.trim().length === 0) return;
    try {
      rows.push(JSON.parse(line));
    } catch (cause) {
      problems(new VlmError('json_invalid', `Line ${i + 1} is not valid JSON: ${(cause as Error).message}`, { location: { file, row: rows.length }, cause, hint: 'JSONL: one complete JSON record per line' }));
      badRows.add(rows.length);
      rows.push(null);
    }
  });
  return { rows, badRows };
}

function preflightError(problems: readonly Problem[]): VlmError {
  const listed = problems.slice(0, PREFLIGHT_LISTED_PROBLEMS).map((p) => `${p.where}: ${formatError(p.error).replace(/\n/g, '\n    ')}`);
  let rest = '';
  if (problems.length > PREFLIGHT_LISTED_PROBLEMS) {
    const counts = new Map<string, number>();
    for (const p of problems.slice(PREFLIGHT_LISTED_PROBLEMS)) counts.set(p.error.code, (counts.get(p.error.code) ?? 0) + 1);
    rest = `\n  ... and ${problems.length - PREFLIGHT_LISTED_PROBLEMS} more problem(s) not listed: ${[...counts].map(([c, n]) => `${c} ${n}`).join(', ')}`;
  }
  return new VlmError('preflight_failed', `${problems.length} problem(s) found before training; nothing was trained:\n  ${listed.join('\n  ')}${rest}`, {
    hint: 'fix every problem listed (vlm-train validate <data> --image-root <dir> lists all bad rows of a file), then run again',
  });
}

/**
 * Checks every stage that will train before the first step: its template exists and the tokenizer has
 * the template's special tokens, its data file reads and validates (schema, roles, `<image>` counts,
 * every image inside the image root, present and decodable), and every valid record formats and
 * tokenizes with the stage's template and the tokenizer. Every problem of every stage (each with file,
 * row, field and what to do) is listed in one error, the first {@link PREFLIGHT_LISTED_PROBLEMS} in
 * full and the rest counted, so a mistake in stage 2 never costs stage 1.
 */
export async function preflightStages(input: PreflightInput): Promise<Map<number, PreparedStage>> {
  const { config, at } = input;
  const problems: Problem[] = [];
  const prepared = new Map<number, PreparedStage>();
  const fail = (where: string, error: unknown) => {
    if (!(error instanceof VlmError)) throw error;
    problems.push({ where, error });
  };
  const tokenizer = input.tokenizer instanceof Error ? undefined : input.tokenizer;
  if (input.tokenizer instanceof Error) fail('tokenizer', input.tokenizer);
  for (const i of input.stageIndices) {
    const stage = config.stages[i]!;
    const where = `stages[${i}] (${stage.name})`;
    let templateOk = true;
    try {
      const template = getTemplate(stage.template);
      const missing = tokenizer ? template.specialTokens.filter((s) => !tokenizer.specialTokens.has(s)) : [];
      if (missing.length > 0) {
        templateOk = false;
        fail(`${where}.template`, new VlmError('special_token_missing', `Template ${template.name} writes ${missing.map((s) => JSON.stringify(s)).join(', ')}, which the tokenizer ${tokenizer!.name} does not have as special token(s).`, {
          location: { field: `stages[${i}].template` },
          hint: `add them to the config's tokenizer.extraSpecialTokens (${JSON.stringify(missing)}) and make the LM's vocab_size cover them, or use another template`,
        }));
      }
    } catch (error) {
      templateOk = false;
      fail(`${where}.template`, error);
    }
    const imageRoot = stage.data.imageRoot ? at(stage.data.imageRoot) : undefined;
    const file = at(stage.data.path);
    const images = new ImageStore({ ...input.image, root: imageRoot ?? dirname(file) });
    const read = await readRows(file, (error) => fail(`${where}.data`, error));
    if (!read) continue;
    const report = await validateDataset(read.rows, {
      file,
      imageRoot,
      imageExists: imageRoot ? nodeImageExists : undefined,
      imageDecodes: imageRoot ? images.decodes : undefined,
    });
    const badRows = new Set(read.badRows);
    for (const issue of report.issues) {
      const row = issue.row ?? -1;
      if (read.badRows.has(row)) continue; // its line is not JSON, said already
      badRows.add(row);
      fail(`${where}.data`, issueError(issue, file));
    }
    if (!templateOk || !tokenizer) continue;
    // Every valid record is formatted and tokenized, so every row the template or tokenizer cannot take
    // is listed, not only the first.
    const samples: TrainSample[] = [];
    const options = {
      tokenizer,
      template: stage.template,
      systemMessage: stage.systemMessage,
      maxLength: stage.maxLength,
      imageTokens: input.imageTokens,
      lastTurnOnly: stage.lastTurnOnly,
      seed: config.seed,
    };
    read.rows.forEach((record, row) => {
      if (badRows.has(row)) return;
      try {
        samples.push(prepareSample(record as ConversationRecord, row, options));
      } catch (error) {
        if (!(error instanceof VlmError)) throw error;
        const location = { file, ...error.location, field: error.location.field ?? 'conversations' };
        fail(`${where}.data`, new VlmError(error.code, error.message, { location, hint: error.hint ?? TOKENIZE_HINTS[error.code] ?? 'fix or drop the row, or use another template or tokenizer', cause: error }));
      }
    });
    if (badRows.size === 0 && samples.length === read.rows.length) prepared.set(i, { samples, images });
  }
  if (problems.length > 0) throw preflightError(problems);
  return prepared;
}
