// Response-format prompts as LLaVA-1.5 appends them to academic task data, so short-answer and
// multiple-choice data teach the format without fighting the long answers of the instruction data.

/** Appended to short-answer VQA questions (VQAv2, GQA, OK-VQA, OCR-VQA, TextVQA, medical VQA). */
export const SHORT_ANSWER_PROMPT = 'Answer the question using a single word or phrase.';
/** Appended to multiple-choice questions after the lettered options (A-OKVQA, PMC-VQA, ScienceQA letter mode). */
export const MULTIPLE_CHOICE_PROMPT = "Answer with the option's letter from the given choices directly.";
/** LLaVA-1.5's caption instruction for TextCaps-style brief descriptions. */
export const BRIEF_CAPTION_PROMPT = 'Provide a one-sentence caption for the provided image.';
/** Region task, expression to box (RefCOCO family). */
export const REGION_TO_BOX_PROMPT = 'Please provide the bounding box coordinate of the region this sentence describes:';
/** Region task, box to short description (RefCOCO family, Visual Genome). */
export const BOX_TO_DESCRIPTION_PROMPT = 'Please provide a short description for this region:';

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
