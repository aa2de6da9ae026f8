// The whole-video diagnosis step has no prompt in @vlm/prompts (upstream ran it as a separate
// notebook), so its wording lives here.

/** System message of the diagnosis-and-clues extraction from a whole video's narration. */
export const QUILT_DIAGNOSIS_SYSTEM =
  'You read the full narration of a histopathology teaching video. State the diagnosis the narrator reaches and the visual clues that support it. ' +
  'If the narration states no diagnosis, answer exactly "Diagnosis: none". Answer as:\nDiagnosis: <diagnosis>\nClues:\n- <clue>\n- <clue>';

/** Parses `Diagnosis: ...` and `Clues:` (bulleted lines, or one line split at semicolons). */
export function parseDiagnosis(text: string): { diagnosis?: string; clues: string[] } {
  const diagnosis = /Diagnosis:\s*(.*)/i.exec(text)?.[1]?.trim();
  const block = /Clues:\s*([\s\S]*)/i.exec(text)?.[1] ?? '';
  const lines = block.split('\n').map((l) => l.replace(/^\s*[-*•\d.)]+\s*/, '').trim()).filter(Boolean);
  const clues = lines.length > 1 ? lines : (lines[0] ?? '').split(/;\s*/).map((c) => c.trim()).filter(Boolean);
  return { diagnosis: diagnosis && !/^none\.?$/i.test(diagnosis) ? diagnosis : undefined, clues };
}
