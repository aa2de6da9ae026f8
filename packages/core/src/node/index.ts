// Node-only helpers of @vlm/core (file system). The main entry stays browser-safe.
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { VlmError } from '../errors/vlm-error';
import { createHfTokenizer, type HfTokenizerOptions, type TokenizerJson } from '../tokenizers/hf-tokenizer';
import type { Tokenizer } from '../tokenizers/tokenizer';
import type { ImageExists } from '../validate/validate-dataset';

/** Image existence check on the local file system, for `validateDataset({ imageExists })`. */
export const nodeImageExists: ImageExists = (path) => {
  try {
    return existsSync(path) && statSync(path).isFile();
  } catch {
    return false;
  }
};

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new VlmError('file_unreadable', `Cannot read ${path}.`, { location: { file: path }, cause, hint: 'Check the path.' });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new VlmError('json_invalid', `${path} is not valid JSON: ${(cause as Error).message}`, { location: { file: path }, cause });
  }
}

/**
 * Loads a Hugging Face tokenizer from a `tokenizer.json` path (and `tokenizer_config.json` beside it
 * when present, for bos/eos/pad names).
 */
export async function loadTokenizerJson(path: string, options: HfTokenizerOptions = {}): Promise<Tokenizer> {
  const json = (await readJson(path)) as TokenizerJson;
  const configPath = path.replace(/tokenizer\.json$/, 'tokenizer_config.json');
  const config = options.config ?? (configPath !== path && existsSync(configPath) ? ((await readJson(configPath)) as HfTokenizerOptions['config']) : undefined);
  return createHfTokenizer(json, { name: options.name ?? `hf:${path}`, ...options, config });
}

/** Reads a LLaVA dataset file: a JSON array, or JSONL (one record per line). */
export async function readDatasetFile(path: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new VlmError('file_unreadable', `Cannot read ${path}.`, { location: { file: path }, cause, hint: 'Check the path.' });
  }
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown[];
    } catch (cause) {
      throw new VlmError('json_invalid', `${path} is not valid JSON: ${(cause as Error).message}`, { location: { file: path }, cause });
    }
  }
  return text.split('\n').flatMap((line, i) => {
    if (line.trim().length === 0) return [];
    try {
      return [JSON.parse(line) as unknown];
    } catch (cause) {
      throw new VlmError('json_invalid', `Line ${i + 1} of ${path} is not valid JSON.`, { location: { file: path, row: i }, cause });
    }
  });
}

/** The command dispatch every CLI of the toolkit shares: usage, exit codes, errors without stacks. */
export {
  asksForHelp,
  CLI_USAGE_ERROR_CODES,
  cliUsageError,
  defineCommand,
  defineCommandGroup,
  isCliUsageError,
  processCliIo,
  usageForError,
  type CliCommand,
  type CliCommandSpec,
  type CliInput,
  type CliIo,
  type CliOption,
  type CliOptions,
  type CliValues,
} from './define-command';
export { intOption, numberOption, choiceOption } from './cli-values';
export { runCommandLine, runMain, type RunCommandLineOptions } from './run-command-line';
