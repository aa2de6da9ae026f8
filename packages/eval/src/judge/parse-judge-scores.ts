/** A judge output whose first line held exactly two scores. */
export interface ParsedJudgeScores {
  ok: true;
  /** Scores in the order the judge saw the assistants: [Assistant 1, Assistant 2]. */
  scores: [number, number];
}

/** A judge output that did not follow the required layout, with the reason. */
export interface JudgeParseFailure {
  ok: false;
  reason: string;
}

/** Result of {@link parseJudgeScores}. */
export type JudgeScoreParse = ParsedJudgeScores | JudgeParseFailure;

/** Bounds of the rubric's scale (LLaVA-Bench: 1 to 10). */
export interface ScoreScale {
  min: number;
  max: number;
}

const NUMBER = String.raw`(\d{1,2}(?:\.\d+)?)`;
// Two numbers separated by whitespace, or by one comma with optional whitespace around it. Nothing else:
// no labels, no markdown, no prose. Upstream replaced commas by spaces and accepted any two tokens that
// parsed as floats, then filled failures with -1 and averaged them in; here a failure stays a failure.
const SCORE_LINE = new RegExp(String.raw`^${NUMBER}(?:\s*,\s*|\s+)${NUMBER}$`);

/**
 * Strictly parses the two scores on the first non-empty line of a judge output (LLaVA-Bench layout:
 * "8 6" or "8, 6", then the explanation). Anything else — one score, prose before the scores, labels,
 * scores outside the scale — is a failure with a reason, never a guess.
 */
export function parseJudgeScores(output: string, scale: ScoreScale = { min: 1, max: 10 }): JudgeScoreParse {
  const firstLine = output.split(/\r?\n/).find((line) => line.trim() !== '');
  if (firstLine === undefined) return { ok: false, reason: 'empty output' };
  const line = firstLine.trim();
  const match = SCORE_LINE.exec(line);
  if (!match) {
    const numbers = line.match(/\d+(?:\.\d+)?/g) ?? [];
    if (numbers.length === 1) return { ok: false, reason: `first line holds one score, not two: ${JSON.stringify(clip(line))}` };
    return { ok: false, reason: `first line is not two scores: ${JSON.stringify(clip(line))}` };
  }
  const scores: [number, number] = [Number(match[1]), Number(match[2])];
  for (const score of scores) {
    if (score < scale.min || score > scale.max) {
      return { ok: false, reason: `score ${score} is outside ${scale.min}..${scale.max}` };
    }
  }
  return { ok: true, scores };
}

function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
