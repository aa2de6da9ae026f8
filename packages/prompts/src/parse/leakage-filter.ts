import type { DroppedTurn, StrippedText } from './parse-outcome';
import type { QaPair } from './qa-pair';
import { defaultLeakRules, sourceLeadIn, type LeakReason, type LeakRule } from './leakage-rules';

/** Options of the leakage filters. */
export interface LeakageOptions {
  /** Rules to apply; defaults to {@link defaultLeakRules}. Pass `[]` to switch the filter off. */
  rules?: readonly LeakRule[];
}

/** The first rule matching `text`, with the matched text. */
export function findLeak(text: string, rules: readonly LeakRule[] = defaultLeakRules): { rule: LeakRule; match: string } | undefined {
  for (const rule of rules) {
    const m = rule.pattern.exec(text);
    if (m) return { rule, match: m[0] };
  }
  return undefined;
}

/** Splits a paragraph into sentences, keeping each sentence's closing punctuation. */
export function splitSentences(paragraph: string): string[] {
  return paragraph
    .split(/(?<=[.!?])\s+(?=["'“(]?[A-Z0-9])/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Result of {@link stripLeakyText}. */
export interface StripResult {
  /** The cleaned text, or undefined when the text must be dropped as a whole. */
  text?: string;
  /** Set when the text is dropped: the deciding rule. */
  dropReason?: LeakReason;
  dropMatch?: string;
  stripped: Array<{ reason: LeakReason; text: string }>;
}

/**
 * Cleans one answer or description. A `drop` rule anywhere drops it whole; `strip` rules cut a leading
 * "Based on the caption," clause or the offending sentence. Paragraphs without leakage keep their exact
 * text; when nothing clean is left, the text is dropped with the first stripped reason.
 */
export function stripLeakyText(text: string, options: LeakageOptions = {}): StripResult {
  const rules = options.rules ?? defaultLeakRules;
  const dropRules = rules.filter((r) => r.action === 'drop');
  const hardLeak = findLeak(text, dropRules);
  if (hardLeak) return { dropReason: hardLeak.rule.reason, dropMatch: hardLeak.match, stripped: [] };
  const stripped: StripResult['stripped'] = [];
  const paragraphs = text.split(/\n[ \t]*\n/).map((paragraph) => {
    if (!findLeak(paragraph, rules)) return paragraph;
    const kept: string[] = [];
    for (const sentence of splitSentences(paragraph.replace(/\s*\n\s*/g, ' '))) {
      let candidate = sentence;
      const leadIn = sourceLeadIn.exec(candidate);
      if (leadIn) {
        stripped.push({ reason: leadInReason(leadIn[0]), text: leadIn[0].trim() });
        const rest = candidate.slice(leadIn[0].length);
        candidate = rest.charAt(0).toUpperCase() + rest.slice(1);
      }
      const leak = findLeak(candidate, rules);
      if (leak) stripped.push({ reason: leak.rule.reason, text: candidate });
      else if (candidate.length > 0) kept.push(candidate);
    }
    return kept.join(' ');
  });
  const cleaned = paragraphs.filter((p) => p.trim().length > 0).join('\n\n').trim();
  if (cleaned.length === 0) {
    const first = stripped[0];
    return { dropReason: first?.reason ?? 'mentions_source', dropMatch: first?.text, stripped };
  }
  return { text: cleaned, stripped };
}

function leadInReason(clause: string): LeakReason {
  if (/caption/i.test(clause)) return 'mentions_caption';
  if (/context/i.test(clause)) return 'mentions_context';
  if (/description/i.test(clause)) return 'mentions_description';
  return 'mentions_source';
}

/** Kept pairs plus what was dropped or stripped. */
export interface LeakageFilterResult {
  kept: QaPair[];
  dropped: DroppedTurn[];
  stripped: StrippedText[];
}

/**
 * Filters question/answer pairs: a leaky or refusing question drops its pair; an answer is cleaned with
 * {@link stripLeakyText} and the pair is dropped when nothing clean remains. Every removal is recorded.
 */
export function filterLeakage(pairs: readonly QaPair[], options: LeakageOptions = {}): LeakageFilterResult {
  const rules = options.rules ?? defaultLeakRules;
  const result: LeakageFilterResult = { kept: [], dropped: [], stripped: [] };
  pairs.forEach((pair, index) => {
    const questionLeak = findLeak(pair.question, rules);
    if (questionLeak) {
      result.dropped.push({ index, reason: questionLeak.rule.reason, match: questionLeak.match, ...pair });
      return;
    }
    const answer = stripLeakyText(pair.answer, { rules });
    if (answer.text === undefined) {
      result.dropped.push({ index, reason: answer.dropReason ?? 'mentions_source', match: answer.dropMatch, ...pair });
      return;
    }
    for (const s of answer.stripped) result.stripped.push({ index, ...s });
    result.kept.push({ question: pair.question, answer: answer.text });
  });
  return result;
}
