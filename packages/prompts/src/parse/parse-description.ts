import { stripLeakyText, type LeakageOptions } from './leakage-filter';
import { reject, type ParseOutcome, type StrippedText } from './parse-outcome';

/** Options of {@link parseDescription}. */
export interface ParseDescriptionOptions extends LeakageOptions {
  /** Reject text with more than one paragraph (PathGen summaries, captions). Default false. */
  singleParagraph?: boolean;
  /** Reject descriptions shorter than this many words (after filtering). Default 3. */
  minWords?: number;
  /** Apply the leakage filters (default true). */
  filterLeakage?: boolean;
}

const dialogueMarker = /^[ \t]*(?:\*\*)?(?:Question|Answer|User|Assistant|GPT)(?:\*\*)?[ \t]*:/im;
const labelPrefix = /^(?:\*\*)?(?:detailed description|description|summary|revised description|corrected description)(?:\*\*)?[ \t]*:[ \t]*\n?/i;

/**
 * Parses a description (LLaVA detail, Quilt detail, PathGen description/revision/summary): the text,
 * trimmed, with a leading `Description:` label removed and leaky sentences stripped. A refusal rejects
 * the whole output, as does dialogue where a description was asked for.
 */
export function parseDescription(output: string, options: ParseDescriptionOptions = {}): ParseOutcome<string> {
  let text = output.replace(/\r\n?/g, '\n').trim();
  if (text.length === 0) return reject('empty_output', 'The teacher returned nothing.');
  if (dialogueMarker.test(text)) return reject('dialogue_in_description', 'A description was asked for but the output contains dialogue turns.');
  text = text.replace(labelPrefix, '').trim();
  if (text.startsWith('"') && text.endsWith('"') && text.length > 1 && !text.slice(1, -1).includes('"')) text = text.slice(1, -1).trim();
  const stripped: StrippedText[] = [];
  if (options.filterLeakage !== false) {
    const result = stripLeakyText(text, options);
    if (result.text === undefined) {
      return reject(result.dropReason ?? 'mentions_source', `The description was rejected by the leakage filters (${result.dropReason}: ${JSON.stringify(result.dropMatch ?? '')}).`);
    }
    text = result.text;
    for (const s of result.stripped) stripped.push({ index: 0, ...s });
  }
  if (options.singleParagraph === true && /\n[ \t]*\n/.test(text)) return reject('multiple_paragraphs', 'One paragraph was asked for but the output has several.');
  const words = text.split(/\s+/).filter(Boolean).length;
  const minWords = options.minWords ?? 3;
  if (words < minWords) return reject('too_short', `The description has ${words} word(s); at least ${minWords} are needed.`);
  return { ok: true, value: text, dropped: [], stripped };
}
