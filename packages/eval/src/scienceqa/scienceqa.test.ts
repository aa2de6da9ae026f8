import { describe, expect, it } from 'vitest';
import { formatScienceQaPrompt, formatScienceQaQuestion } from './format-question';
import { parseScienceQaAnswer } from './parse-answer';
import { parseScienceQaProblems } from './problem';
import { scoreScienceQa } from './score-scienceqa';

const problems = parseScienceQaProblems({
  '1': { question: 'Which is a mammal?', choices: ['shark', 'whale', 'trout'], answer: 1, hint: '', image: 'image.png', split: 'test', subject: 'natural science' },
  '2': { question: 'Which word is a noun?', choices: ['run', 'table'], answer: 1, hint: 'Read the words.', image: null, split: 'test', subject: 'language science' },
  '3': { question: 'Which is hot?', choices: ['ice', 'fire'], answer: 1, hint: null, image: 'image.png', split: 'test' },
  '4': { question: 'Pick A.', choices: ['a', 'b'], answer: 0, image: null, split: 'test' },
  '5': { question: 'Pick B.', choices: ['a', 'b'], answer: 1, image: 'image.png', split: 'test' },
});

describe('ScienceQA formatting', () => {
  it('formats question, context (N/A when empty) and lettered options', () => {
    expect(formatScienceQaQuestion(problems.get('1')!)).toBe('Which is a mammal?\nContext: N/A\nOptions: (A) shark (B) whale (C) trout');
    expect(formatScienceQaPrompt(problems.get('2')!)).toBe(
      "Which word is a noun?\nContext: Read the words.\nOptions: (A) run (B) table\nAnswer with the option's letter from the given choices directly.",
    );
  });
});

describe('parseScienceQaAnswer', () => {
  it('applies the rules in order', () => {
    expect(parseScienceQaAnswer('B')).toEqual({ letter: 'B', rule: 'letter' });
    expect(parseScienceQaAnswer(' C \n')).toEqual({ letter: 'C', rule: 'letter' });
    expect(parseScienceQaAnswer('A. shark')).toEqual({ letter: 'A', rule: 'letter-dot' });
    expect(parseScienceQaAnswer('Whales breathe air. The answer is B.')).toEqual({ letter: 'B', rule: 'the-answer-is' });
    expect(parseScienceQaAnswer('Whales breathe air. The answer is B')).toEqual({ letter: 'B', rule: 'the-answer-is' });
  });

  it('fails on ambiguous or unparseable predictions instead of guessing', () => {
    expect(parseScienceQaAnswer('The answer is A. No wait. The answer is B.')).toEqual({ letter: null, rule: 'failed' });
    expect(parseScienceQaAnswer('whale')).toEqual({ letter: null, rule: 'failed' });
    expect(parseScienceQaAnswer('The answer is Apple.')).toEqual({ letter: null, rule: 'failed' });
    expect(parseScienceQaAnswer('F')).toEqual({ letter: null, rule: 'failed' });
  });
});

describe('parseScienceQaAnswer with upstream parsing', () => {
  it("applies LLaVA's exact pattern, where the dot after the letter is any character", () => {
    expect(parseScienceQaAnswer('Whales breathe air. The answer is B.', 'upstream')).toEqual({ letter: 'B', rule: 'the-answer-is' });
    // differences from the toolkit's rules, each as eval_science_qa.py decides it
    expect(parseScienceQaAnswer('Whales breathe air. The answer is B', 'upstream')).toEqual({ letter: null, rule: 'failed' });
    expect(parseScienceQaAnswer('The answer is Apple.', 'upstream')).toEqual({ letter: 'A', rule: 'the-answer-is' });
    expect(parseScienceQaAnswer(' C \n', 'upstream')).toEqual({ letter: null, rule: 'failed' });
    expect(parseScienceQaAnswer('The answer is (B).', 'upstream')).toEqual({ letter: null, rule: 'failed' });
    expect(parseScienceQaAnswer('The answer is (B).')).toEqual({ letter: 'B', rule: 'the-answer-is' });
  });
});

describe('scoreScienceQa', () => {
  it('computes accuracy overall and on image questions, counting failures, out-of-range and missing', () => {
    const predictions = new Map([
      ['1', 'B'], // image, correct
      ['2', 'The answer is B.'], // no image, correct
      ['3', 'C'], // image, letter beyond 2 choices -> wrong, out of range
      ['4', 'I am not sure'], // no image, FAILED -> wrong
    ]);
    const m = scoreScienceQa(problems, predictions, { ids: ['1', '2', '3', '4', '5'] }); // 5 missing (image)
    expect(m.overall).toEqual({ n: 5, correct: 2, accuracy: 40 });
    expect(m.image).toEqual({ n: 3, correct: 1, accuracy: 33.33 });
    expect([m.failed, m.outOfRange, m.missing]).toEqual([1, 1, 1]);
    expect(m.bySubject).toEqual({ 'language science': { n: 1, correct: 1, accuracy: 100 }, 'natural science': { n: 1, correct: 1, accuracy: 100 } });
    expect(m.items.find((i) => i.id === '3')).toMatchObject({ predicted: 'C', status: 'out-of-range', correct: false });
  });

  it("leaves a missing image question out of the image subset with upstream's rule, and says which rule it used", () => {
    const predictions = new Map([
      ['1', 'B'],
      ['2', 'The answer is B.'],
      ['3', 'C'],
      ['4', 'I am not sure'],
    ]);
    const ids = ['1', '2', '3', '4', '5']; // 5 (an image question) has no prediction
    const toolkit = scoreScienceQa(problems, predictions, { ids });
    const upstream = scoreScienceQa(problems, predictions, { ids, missingRule: 'upstream' });
    expect(toolkit.missingRule).toBe('toolkit');
    expect(upstream.missingRule).toBe('upstream');
    // LLaVA's eval_science_qa.py: the missing problem is wrong overall (5 problems, 2 correct) but its
    // placeholder prompt "Unknown" has no <image>, so the image subset is problems 1 and 3: 1 of 2.
    expect(upstream.overall).toEqual(toolkit.overall);
    expect(upstream.image).toEqual({ n: 2, correct: 1, accuracy: 50 });
    expect(toolkit.image).toEqual({ n: 3, correct: 1, accuracy: 33.33 });
    expect(upstream.missing).toBe(1);
    expect(toolkit.parsing).toBe('toolkit');
    const parsedUpstream = scoreScienceQa(problems, new Map([['1', 'The answer is B'], ['2', 'The answer is B.']]), { ids: ['1', '2'], parsing: 'upstream' });
    expect(parsedUpstream).toMatchObject({ parsing: 'upstream', failed: 1, overall: { n: 2, correct: 1 } });
    expect(() => scoreScienceQa(problems, predictions, { ids, missingRule: 'skip' as 'upstream' })).toThrow(/toolkit or upstream/);
  });

  it('rejects problems whose answer index is beyond the choices', () => {
    expect(() => parseScienceQaProblems({ x: { question: 'q', choices: ['a', 'b'], answer: 2 } })).toThrow(/beyond 2 choices/);
  });
});
