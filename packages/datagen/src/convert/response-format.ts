// Response-format prompts as LLaVA-1.5 appends them to academic task data, so short-answer and
// multiple-choice data teach the format without fighting the long answers of the instruction data.

/** Appended to short-answer VQA questions (VQAv2, GQA, OK-VQA, OCR-VQA, TextVQA, medical VQA). */
export const SHORT_ANSWER_PROMPT = 'Answer the question using a single word or phrase.';
/** Appended to multiple-choice questions after the lettered options (A-OKVQA, PMC-VQA, ScienceQA letter mode). */
export const MULTIPLE_CHOICE_PROMPT = "Answer with the option's letter from the given choices directly.";
/** LLaVA-1.5's caption instruction for TextCaps-style brief descriptions. */
export const BRIEF_CAPTION_PROMPT = 'Provide a one-sentence caption for the provided image.';
/** Region task, expression to box (RefCOCO family, Visual Genome); {@link regionToBoxQuestion} adds the expression. */
export const REGION_TO_BOX_PROMPT = 'Please provide the bounding box coordinate of the region this sentence describes:';
/** Region task, box to short description (RefCOCO family, Visual Genome); {@link boxToDescriptionQuestion} adds the box. */
export const BOX_TO_DESCRIPTION_PROMPT = 'Please provide a short description for this region:';

const endsSentence = (text: string) => /[.!?]$/.test(text);

/** `Please provide the bounding box coordinate of the region this sentence describes: man in red.` (expression as written, "." added). */
export function regionToBoxQuestion(expression: string): string {
  const e = expression.trim();
  return `${REGION_TO_BOX_PROMPT} ${endsSentence(e) ? e : `${e}.`}`;
}

/** `Please provide a short description for this region: [0.02, 0.2, 0.49, 0.83].` */
export function boxToDescriptionQuestion(boxText: string): string {
  return `${BOX_TO_DESCRIPTION_PROMPT} ${boxText}.`;
}

/** A region description as LLaVA-1.5 answers it: first letter capitalised, ending with "." (`Third person from right.`). */
export function regionDescriptionAnswer(description: string): string {
  const d = description.trim();
  const capitalised = d.charAt(0).toUpperCase() + d.slice(1);
  return endsSentence(capitalised) ? capitalised : `${capitalised}.`;
}

/** `question\nAnswer the question using a single word or phrase.` (or the question alone when disabled). */
export function shortAnswerQuestion(question: string, withPrompt = true): string {
  const q = question.trim();
  return withPrompt ? `${q}\n${SHORT_ANSWER_PROMPT}` : q;
}

/** Capital option letter for a 0-based index (A, B, C, ...). */
export function optionLetter(index: number): string {
  return String.fromCharCode(65 + index);
}

/** LLaVA-1.5 multiple-choice layout: the question, one `A. option` line per choice, then the format prompt. */
export function multipleChoiceQuestion(question: string, options: readonly string[], withPrompt = true): string {
  const lines = [question.trim(), ...options.map((o, k) => `${optionLetter(k)}. ${o.trim()}`)];
  if (withPrompt) lines.push(MULTIPLE_CHOICE_PROMPT);
  return lines.join('\n');
}
