import { describe, expect, it } from 'vitest';
import { parseJudgeScores } from './parse-judge-scores';

describe('parseJudgeScores', () => {
  it('reads a well-formed first line and ignores the explanation', () => {
    expect(parseJudgeScores('8 6\nAssistant 1 gave a precise answer.')).toEqual({ ok: true, scores: [8, 6] });
  });

  it('keeps the order the judge wrote (a reversed preference is not swapped back here)', () => {
    expect(parseJudgeScores('4 9\nAssistant 2 is better.')).toEqual({ ok: true, scores: [4, 9] });
  });

  it('accepts a verbose multi-paragraph explanation after the scores', () => {
    const verbose = `9 7\n\n${'Both answers describe the scene. '.repeat(40)}\n\nIn summary, Assistant 1 is better: 9 vs 7.`;
    expect(parseJudgeScores(verbose)).toEqual({ ok: true, scores: [9, 7] });
  });

  it('accepts scores separated by a comma, with or without spaces, and decimals', () => {
    expect(parseJudgeScores('8, 6\n...')).toEqual({ ok: true, scores: [8, 6] });
    expect(parseJudgeScores('8,6')).toEqual({ ok: true, scores: [8, 6] });
    expect(parseJudgeScores('  7.5 ,  10  \nwhy')).toEqual({ ok: true, scores: [7.5, 10] });
  });

  it('skips leading blank lines', () => {
    expect(parseJudgeScores('\n\n  \n6 5\nok')).toEqual({ ok: true, scores: [6, 5] });
  });

  it('fails on a single score', () => {
    const r = parseJudgeScores('8\nOnly one assistant was rated.');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/one score/);
  });

  it('fails when prose comes before the scores, even if the scores follow later', () => {
    const r = parseJudgeScores('Here is my evaluation of the two assistants.\n8 6\nBecause...');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/not two scores/);
  });

  it('fails on labelled or decorated scores rather than guessing', () => {
    expect(parseJudgeScores('Assistant 1: 8, Assistant 2: 6').ok).toBe(false);
    expect(parseJudgeScores('**8 6**').ok).toBe(false);
    expect(parseJudgeScores('8 6 7').ok).toBe(false);
    expect(parseJudgeScores('8/10 6/10').ok).toBe(false);
    // reversed and labelled: strict parsing cannot know which number belongs to whom, so it asks again
    expect(parseJudgeScores('Assistant 2: 6\nAssistant 1: 8').ok).toBe(false);
    // scores followed by prose on the same line are not "only two values"
    expect(parseJudgeScores('8 6 - Assistant 1 is better').ok).toBe(false);
  });

  it('fails on empty output and on scores outside 1..10', () => {
    expect(parseJudgeScores('   \n')).toEqual({ ok: false, reason: 'empty output' });
    expect(parseJudgeScores('0 6').ok).toBe(false);
    expect(parseJudgeScores('11 6').ok).toBe(false);
    expect(parseJudgeScores('-1 -1').ok).toBe(false);
  });
});
