import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

import type { JsonElementEvent } from './json-element-scanner';
import { readJsonElements } from './read-json-elements';
import { readFailed } from './read-failed';

/**
 * Streams the records of a LLaVA dataset file: a JSON array, or JSON Lines when the name ends in `.jsonl`.
 * Each event carries the decoded value or why it could not be decoded, with index and line.
 */
export async function* readRecordFile(file: string): AsyncGenerator<JsonElementEvent> {
  if (!file.endsWith('.jsonl')) {
    yield* readJsonElements(file, [[]]);
    return;
  }
  const stream = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  let index = 0;
  try {
    for await (const text of lines) {
      line++;
      if (!text.trim()) continue;
      const event: JsonElementEvent = { target: 0, index: index++, line };
      try {
        event.value = JSON.parse(text);
      } catch (error) {
        event.error = `not valid JSON (${(error as Error).message})`;
      }
      yield event;
    }
  } catch (error) {
    throw readFailed(file, error);
  } finally {
    lines.close();
    stream.destroy();
  }
}
