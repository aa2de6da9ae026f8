import { describe, expect, it } from 'vitest';
import { isYesNoAnswer, scoreClosedAnswer, yesNoVerdict } from './closed-answer';
import { normalizeAnswer, normalizeAnswerWords } from './normalize-answer';
import { scoreOpenAnswer } from './open-metrics';
import { scoreVqa } from './score-vqa';

describe('normalizeAnswer', () => {
  it('lower-cases, drops punctuation and articles, writes number words as digits', () => {
    expect(normalizeAnswer('The Two large, NECROTIC foci!')).toBe('2 large necrotic foci');
    expect(normalizeAnswerWords("It's an H&E stain (x40).")).toEqual(['its', 'h', 'e', 'stain', 'x40']);
    expect(normalizeAnswer('3.5 cm; twenty cells')).toBe('3.5 cm 20 cells');
    expect(normalizeAnswer('none')).toBe('none');
  });
});

describe('scoreOpenAnswer', () => {
  it('matches hand-computed recall, precision and F1', () => {
    // reference words: [2, necrotic, foci]; prediction: [there, are, 2, foci] -> tp 2
    const s = scoreOpenAnswer('There are two foci.', 'Two necrotic foci');
    expect(s.recall).toBeCloseTo(2 / 3, 10);
    expect(s.precision).toBeCloseTo(2 / 4, 10);
    expect(s.f1).toBeCloseTo((2 * (2 / 3) * 0.5) / (2 / 3 + 0.5), 10);
  });

  it('counts repeated words as a multiset and scores an empty prediction 0', () => {
    // reference [cell, cell, nucleus]; prediction [cell] -> tp 1
    expect(scoreOpenAnswer('cell', 'cell cell nucleus')).toEqual({ recall: 1 / 3, precision: 1, f1: 0.5 });
    expect(scoreOpenAnswer('', 'cell')).toEqual({ recall: 0, precision: 0, f1: 0 });
    expect(() => scoreOpenAnswer('x', ' the ')).toThrow(/no words/);
  });
});

describe('closed answers', () => {
  it('reads yes/no on whole words, not substrings', () => {
    expect(yesNoVerdict('The tissue looks normal.')).toBe('none');
    expect(yesNoVerdict('This is not malignant')).toBe('none');
    expect(yesNoVerdict('No, there is no invasion.')).toBe('no');
    expect(yesNoVerdict('Yes.')).toBe('yes');
    expect(yesNoVerdict('Yes and no.')).toBe('ambiguous');
    expect(isYesNoAnswer(' No. ')).toBe(true);
    expect(isYesNoAnswer('not sure')).toBe(false);
  });

  it('scores yes/no and fixed-choice closed answers', () => {
    expect(scoreClosedAnswer('The stain is normal', 'no')).toEqual({ correct: false, verdict: 'none' });
    expect(scoreClosedAnswer('no', 'No')).toEqual({ correct: true, verdict: 'no' });
    expect(scoreClosedAnswer('It is on the left side.', 'left side')).toEqual({ correct: true });
    expect(scoreClosedAnswer('leftover side', 'left side')).toEqual({ correct: false });
  });
});

describe('scoreVqa', () => {
  it('aggregates open recall/precision/F1 and closed accuracy as percentages', () => {
    const m = scoreVqa([
      { id: '1', reference: 'Two necrotic foci', prediction: 'There are two foci.' }, // R 2/3, P 1/2, F1 4/7
      { id: '2', reference: 'nucleus', prediction: 'the nucleus' }, // R 1, P 1, F1 1
      { id: '3', reference: 'yes', prediction: 'Yes, it is.' }, // correct
      { id: '4', reference: 'no', prediction: 'It is normal.' }, // no verdict -> wrong
      { id: '5', reference: 'no', prediction: 'yes or no' }, // ambiguous -> wrong
      { id: '6', reference: 'left', prediction: 'left', answerType: 'closed' }, // correct
    ]);
    expect(m.open.n).toBe(2);
    expect(m.open.recall).toBe(83.33); // (2/3 + 1) / 2
    expect(m.open.precision).toBe(75); // (1/2 + 1) / 2
    expect(m.open.f1).toBe(78.57); // (4/7 + 1) / 2
    expect(m.closed).toEqual({ n: 4, correct: 2, accuracy: 50, ambiguous: 1, noVerdict: 1 });
    expect(m.items).toHaveLength(6);
  });

  it('names the item with an empty reference', () => {
    expect(() => scoreVqa([{ id: 'q7', reference: '...', prediction: 'x' }])).toThrow(expect.objectContaining({ code: 'vqa_bad_reference', location: expect.objectContaining({ id: 'q7' }) }));
  });
});
