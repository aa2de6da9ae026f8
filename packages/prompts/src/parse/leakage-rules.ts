/** Why a turn or sentence leaks the text the teacher saw, or is not a usable answer. */
export type LeakReason =
  | 'refusal'
  | 'apology'
  | 'image_token'
  | 'mentions_caption'
  | 'mentions_context'
  | 'mentions_description'
  | 'mentions_coordinates'
  | 'mentions_source';

/**
 * One filter rule. `drop` removes the whole turn; `strip` removes the offending sentence from an answer
 * (and drops the turn when nothing clean is left, or when the question itself matches).
 */
export interface LeakRule {
  reason: LeakReason;
  pattern: RegExp;
  action: 'drop' | 'strip';
}

const apostrophe = "['’]";

/**
 * The default rules. They target how a teacher betrays that it read text instead of seeing an image
 * ("the caption", "the provided description", "[0.1, 0.2, 0.3, 0.4]") and non-answers (refusals,
 * apologies). Ordinary uses such as "in the context of inflammation" or "a description of the lesion"
 * are deliberately not matched.
 */
export const defaultLeakRules: readonly LeakRule[] = Object.freeze([
  {
    reason: 'refusal',
    action: 'drop',
    pattern: new RegExp(
      [
        `\\bas an ai(?: language)? model\\b`,
        `\\bi (?:cannot|can not|can${apostrophe}t|am unable to|${apostrophe}m unable to|am not able to) (?:see|view|access|look at)\\b`,
        `\\b(?:do not|don${apostrophe}t|cannot|can${apostrophe}t) have access to the (?:actual )?(?:image|picture|figure)\\b`,
        `\\bwithout (?:seeing|access to|viewing) the (?:actual )?(?:image|picture|figure)\\b`,
        `\\bi${apostrophe}m not able to (?:see|view)\\b`,
      ].join('|'),
      'i',
    ),
  },
  { reason: 'apology', action: 'drop', pattern: /\bsorry\b|\bapologi[sz]e\b|\bmy apologies\b/i },
  { reason: 'image_token', action: 'drop', pattern: /<image>|<im_start>|<im_end>/ },
  { reason: 'mentions_caption', action: 'strip', pattern: /\bcaption(?:s|ed)?\b/i },
  {
    reason: 'mentions_context',
    action: 'strip',
    pattern: /\b(?:the|this|given|provided|figure|above|additional) context\b(?! of\b)/i,
  },
  {
    reason: 'mentions_description',
    action: 'strip',
    pattern: /\b(?:the|this|given|provided|above|text|textual|image) descriptions?\b(?! of\b)/i,
  },
  {
    reason: 'mentions_coordinates',
    action: 'strip',
    pattern: /\[\s*-?\d*\.?\d+\s*(?:,\s*-?\d*\.?\d+\s*){3}\]|\bbounding box(?:es)?\b|\bcoordinates?\b/i,
  },
  {
    reason: 'mentions_source',
    action: 'strip',
    pattern:
      /\bmentioned\b|\baccording to the (?:text|report|information|annotations?|sentences?)\b|\bbased on the (?:text|information provided|provided information|given information|annotations?|sentences?)\b|\bas (?:described|stated|noted) (?:above|in the)\b|\bthe text (?:says|states|mentions|describes)\b/i,
  },
]);

/**
 * Lead-in clauses that are cut from the start of a sentence instead of dropping the sentence:
 * "Based on the caption, the cells are ..." keeps "The cells are ...".
 */
export const sourceLeadIn =
  /^(?:based on|according to|from|judging by|as per) (?:the )?(?:provided |given |figure |image )?(?:caption|context|description|text|information)(?: provided| given| above)?,\s*/i;
