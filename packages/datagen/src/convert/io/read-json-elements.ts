import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { VlmError } from '@vlm/core';

import { JsonElementScanner, type JsonElementEvent } from './json-element-scanner';
import { readFailed } from './read-failed';

/** Options of {@link readJsonElements}. */
export interface ReadJsonElementsOptions {
  /** Read size in bytes (64 KiB by default). */
  chunkSize?: number;
  /** Throw when a target container is missing from the file (default true). */
  requireTargets?: boolean;
}

/**
 * Streams the elements of one or more containers of a JSON file, each path a list of member names from
 * the root (`[]` = the root itself, `['questions']` = the root's `questions` member). Memory stays at
 * one element plus one read chunk, whatever the file size.
 */
export async function* readJsonElements(
  file: string,
  targets: readonly (readonly string[])[],
  options: ReadJsonElementsOptions = {},
): AsyncGenerator<JsonElementEvent> {
  const scanner = new JsonElementScanner(targets, file);
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: options.chunkSize ?? 1 << 16 });
  try {
    for await (const chunk of stream) yield* scanner.write(chunk as string);
  } catch (error) {
    if (error instanceof VlmError) throw error;
    throw readFailed(file, error);
  } finally {
    stream.destroy();
  }
  scanner.end();
  if (options.requireTargets ?? true) {
    const missing = targets.filter((_, t) => !scanner.targetsFound[t]);
    if (missing.length > 0) {
      throw new VlmError('json_target_missing', `No ${missing.map((p) => (p.length ? `"${p.join('.')}"` : 'top-level')).join(', ')} container in the file.`, {
        location: { file },
        hint: 'Is this the right file of the dataset (for example questions vs annotations)?',
      });
    }
  }
}

/** Reads a small JSON file whole (split lists, image metadata) with a located error on failure. */
export async function readSmallJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw readFailed(file, error);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new VlmError('json_syntax', `Malformed JSON: ${(error as Error).message}.`, {
      location: { file },
      hint: 'Re-download the file or check that it is the expected file.',
    });
  }
}

/** The first non-space character of a JSON file (`[` or `{`), to pick the right container to stream. */
export async function firstJsonChar(file: string): Promise<string | undefined> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 4096 });
  try {
    for await (const chunk of stream) {
      const match = /[^\s\ufeff]/.exec(chunk as string);
      if (match) return match[0];
    }
    return undefined;
  } catch (error) {
    throw readFailed(file, error);
  } finally {
    stream.destroy();
  }
}
