import { describe, expect, it } from 'vitest';
import { parseChoiceLetter } from './parse-choice-letter';
import { scoreMultipleChoice } from './score-multiple-choice';

describe('parseChoiceLetter (PMC-VQA cascade)', () => {
  it.each([
    ['B', 'B', 'exact-letter'],
    ['C: Squamous cell carcinoma', 'C', 'letter-colon-or-dot'],
    ['D. Adenoma', 'D', 'letter-colon-or-dot'],
    ['I think option (B) fits best', 'B', 'option-x'],
    ['The best match is B', 'B', 'single-capital'],
    ['Between A and C I choose option C', 'C', 'option-x'],
    ['Among the answers, the choice C: is right while A is not', 'C', 'space-x-colon'],
    ["Not A, I'd go with 'B'", 'B', 'quoted-x'],
    ['A or B? I believe it is B', 'B', 'is-x'],
  ] as const)('%j -> %s via %s', (text, letter, rule) => {
    expect(parseChoiceLetter(text, 4)).toEqual({ letter, rule });
  });

  it('does not read the pronoun "I" or letters beyond the options as a single capital', () => {
    expect(parseChoiceLetter('I do not know', 4)).toEqual({ letter: null, rule: 'failed' });
    expect(parseChoiceLetter('squamous cell carcinoma', 4)).toEqual({ letter: null, rule: 'failed' });
  });

  it('scores with FAILED and out-of-range predictions counted wrong', () => {
    const m = scoreMultipleChoice([
      { id: '1', prediction: 'A', answer: 'A', numChoices: 4 },
      { id: '2', prediction: 'B: x', answer: 'C', numChoices: 4 },
      { id: '3', prediction: 'E', answer: 'A', numChoices: 4 },
      { id: '4', prediction: 'no idea', answer: 'A', numChoices: 4 },
    ]);
    expect(m).toEqual({ n: 4, correct: 1, accuracy: 25, failed: 1, outOfRange: 1, rules: { 'exact-letter': 2, 'letter-colon-or-dot': 1 } });
  });
});
