import { filterLeakage, type LeakageOptions } from './leakage-filter';
import { reject, type DroppedTurn, type ParseOutcome } from './parse-outcome';
import type { ConversationFormat, QaPair } from './qa-pair';

/** Options of the conversation parsers. */
export interface ParseConversationOptions extends LeakageOptions {
  /** Apply the leakage filters (default true). */
  filterLeakage?: boolean;
  /**
   * The API's finish reason of the output. `length` (cut off at max_tokens) rejects the output as
   * `truncated`: its last answer ends mid-sentence and no marker shows it.
   */
  finishReason?: string | null;
}

interface MarkerSpec {
  /** Finds role markers; group 1 is the role name. Must be global + multiline. */
  marker: RegExp;
  question: RegExp;
  /** Strips `[...]` around a turn (Quilt). */
  bracketed: boolean;
}

// Markers must open a line (optionally bolded by a markdown-happy teacher), except Quilt's bracketed
// turns, which teachers often run together on one line: `User:[...] GPT:[...]`.
const specs: Record<ConversationFormat, MarkerSpec> = {
  'question-answer-blocks': {
    marker: /^[ \t]*(?:\*\*)?(Question|Answer)(?:\*\*)?[ \t]*:(?:\*\*)?[ \t]*/gim,
    question: /^question$/i,
    bracketed: false,
  },
  'user-assistant': {
    marker: /^[ \t]*(?:\*\*)?(User|Assistant)(?:\*\*)?[ \t]*:(?:\*\*)?[ \t]*/gim,
    question: /^user$/i,
    bracketed: false,
  },
  'quilt-user-gpt': {
    marker: /(?:^|(?<=[\]\s]))[ \t]*(?:\*\*)?(User|GPT)(?:\*\*)?[ \t]*:(?:\*\*)?[ \t]*/gim,
    question: /^user$/i,
    bracketed: true,
  },
};

function cleanTurn(text: string, bracketed: boolean): string {
  // `===` lines separate LLaVA blocks; they belong to no turn.
  let out = text.replace(/^[ \t]*={3,}[ \t]*$/gm, '').trim();
  if (bracketed && out.startsWith('[') && out.endsWith(']')) out = out.slice(1, -1).trim();
  return out;
}

/**
 * Parses a teacher's multi-turn output in one of the {@link ConversationFormat}s into question/answer
 * pairs, then applies the leakage filters. An output cut off at max_tokens (`finishReason: 'length'`)
 * is rejected as `truncated`; a trailing question without an answer is dropped and recorded; any other
 * broken structure rejects the whole output with a reason.
 */
export function parseConversation(format: ConversationFormat, output: string, options: ParseConversationOptions = {}): ParseOutcome<QaPair[]> {
  const text = output.replace(/\r\n?/g, '\n');
  if (options.finishReason === 'length') return reject('truncated', 'The output was cut off at max_tokens (finish_reason "length"): its last answer is incomplete.');
  if (text.trim().length === 0) return reject('empty_output', 'The teacher returned nothing.');
  const spec = specs[format];
  const marker = new RegExp(spec.marker.source, spec.marker.flags);
  const found = [...text.matchAll(marker)];
  if (found.length === 0) return reject('unrecognised_format', `No ${format} turn markers found in the teacher output.`);

  const first = found[0] as RegExpMatchArray;
  const preamble = text.slice(0, first.index).trim();
  const turns = found.map((m, i) => {
    const start = (m.index ?? 0) + m[0].length;
    const end = i + 1 < found.length ? (found[i + 1]?.index ?? text.length) : text.length;
    return { isQuestion: spec.question.test(m[1] ?? ''), text: cleanTurn(text.slice(start, end), spec.bracketed) };
  });

  const pairs: QaPair[] = [];
  const dropped: DroppedTurn[] = [];
  for (let i = 0; i < turns.length; i += 2) {
    const q = turns[i];
    const a = turns[i + 1];
    if (q === undefined) break;
    if (!q.isQuestion) return reject('answer_without_question', `Turn ${i + 1} is an answer with no question before it.`);
    if (a === undefined) {
      dropped.push({ index: pairs.length, reason: 'unpaired_question', question: q.text });
      break;
    }
    if (a.isQuestion) return reject('question_without_answer', `Turn ${i + 1} is a question followed by another question.`);
    if (q.text.length === 0 || a.text.length === 0) return reject('empty_turn', `Pair ${pairs.length + 1} has an empty ${q.text.length === 0 ? 'question' : 'answer'}.`);
    pairs.push({ question: q.text, answer: a.text });
  }
  if (pairs.length === 0) return reject('no_complete_pair', 'The output has a question but no answer (truncated?).', dropped);

  if (options.filterLeakage === false) return { ok: true, value: pairs, dropped, stripped: [], ...(preamble ? { preamble } : {}) };
  const filtered = filterLeakage(pairs, options);
  const allDropped = [...dropped, ...filtered.dropped];
  if (filtered.kept.length === 0) {
    const reasons = [...new Set(filtered.dropped.map((d) => d.reason))].join(', ');
    return reject('all_turns_dropped', `Every turn was dropped by the leakage filters (${reasons}).`, allDropped);
  }
  return { ok: true, value: filtered.kept, dropped: allDropped, stripped: filtered.stripped, ...(preamble ? { preamble } : {}) };
}

/** LLaVA's `Question:` / `===` / `Answer:` blocks. */
export function parseQuestionAnswerBlocks(output: string, options?: ParseConversationOptions): ParseOutcome<QaPair[]> {
  return parseConversation('question-answer-blocks', output, options);
}

/** LLaVA-Med's `User:` / `Assistant:` dialogues. */
export function parseUserAssistantDialogue(output: string, options?: ParseConversationOptions): ParseOutcome<QaPair[]> {
  return parseConversation('user-assistant', output, options);
}

/** Quilt-LLaVA's `User:[...]` / `GPT:[...]` turns (brackets optional). */
export function parseQuiltDialogue(output: string, options?: ParseConversationOptions): ParseOutcome<QaPair[]> {
  return parseConversation('quilt-user-gpt', output, options);
}
