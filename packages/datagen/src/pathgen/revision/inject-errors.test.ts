import { createRng } from '@vlm/core';
import { describe, expect, it } from 'vitest';

import { injectErrors, proposeError, repairText, sentenceSpans } from './inject-errors';
import { applyEdit, invertEdit } from './text-edit';

const correct = 'The glands are irregular. Nuclei are large and hyperchromatic. Mitoses are present.';

describe('text edits', () => {
  it('inverts by construction', () => {
    const edit = { start: 4, end: 10, insert: 'ducts' };
    const changed = applyEdit(correct, edit);
    expect(changed.startsWith('The ducts are')).toBe(true);
    expect(invertEdit(correct, edit)).toEqual({ start: 4, end: 9, insert: 'glands' });
    expect(applyEdit(changed, invertEdit(correct, edit))).toBe(correct);
    expect(() => applyEdit('abc', { start: 2, end: 5, insert: '' })).toThrow(/does not fit/);
  });
});

describe('error injection', () => {
  it('splits sentences with their trailing space', () => {
    expect(sentenceSpans(correct).map((s) => correct.slice(s.start, s.end))).toEqual(['The glands are irregular. ', 'Nuclei are large and hyperchromatic. ', 'Mitoses are present.']);
  });

  it('deletes a whole sentence, adds a finding, or swaps a term', () => {
    const deletion = proposeError(correct, 'deletion', createRng(1))!;
    expect(deletion.insert).toBe('');
    expect(sentenceSpans(correct).some((s) => s.start === deletion.start && s.end === deletion.end)).toBe(true);

    const addition = proposeError(correct, 'addition', createRng(2))!;
    expect(addition.start).toBe(addition.end);
    expect(applyEdit(correct, addition)).toMatch(/\. [A-Z][^.]*\.( |$)/);

    const modification = proposeError(correct, 'modification', createRng(3))!;
    const swapped = applyEdit(correct, modification);
    // Candidates: irregular->regular, large->small, hyperchromatic->pale, present->absent.
    expect(['regular', 'small', 'pale', 'absent']).toContain(modification.insert);
    expect(swapped).not.toBe(correct);
  });

  it('keeps case and word boundaries when swapping', () => {
    const edit = proposeError('Large cells. Enlarged nuclei.', 'modification', createRng(0))!;
    // "Enlarged" must not match "large"; only the capitalised sentence start does.
    expect(edit).toEqual({ start: 0, end: 5, insert: 'Small' });
  });

  it('produces (erroneous, correct) pairs whose repairs restore the text', () => {
    for (let seed = 0; seed < 40; seed++) {
      const pair = injectErrors(correct, createRng(seed), { count: 3 });
      expect(pair.errors).toHaveLength(3);
      expect(pair.erroneous).not.toBe(correct);
      expect(repairText(pair)).toBe(correct);
      // Replaying the errors on the correct text gives the erroneous one.
      expect(pair.errors.reduce((text, e) => applyEdit(text, e.edit), correct)).toBe(pair.erroneous);
    }
  });

  it('falls back to another kind when a text offers none of the drawn one', () => {
    const pair = injectErrors('Single sentence without swappable words.', createRng(5), { count: 1, kinds: ['deletion', 'modification', 'addition'] });
    expect(pair.errors[0]!.kind).toBe('addition');
  });
});
