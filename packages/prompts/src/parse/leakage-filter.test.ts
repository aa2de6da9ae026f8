import { describe, expect, it } from 'vitest';
import { filterLeakage, splitSentences, stripLeakyText } from './leakage-filter';
import { defaultLeakRules, type LeakRule } from './leakage-rules';

describe('stripLeakyText', () => {
  it('keeps clean paragraphs byte for byte and rebuilds only the leaky one', () => {
    const text = 'First paragraph,\nwrapped over two lines.\n\nThe cat sleeps. The coordinates [0.1, 0.2, 0.3, 0.4] mark it. It is gray.';
    const result = stripLeakyText(text);
    expect(result.text).toBe('First paragraph,\nwrapped over two lines.\n\nThe cat sleeps. It is gray.');
    expect(result.stripped).toEqual([{ reason: 'mentions_coordinates', text: 'The coordinates [0.1, 0.2, 0.3, 0.4] mark it.' }]);
  });

  it('cuts a source lead-in and capitalises the rest', () => {
    expect(stripLeakyText('According to the description, there are three nodules.').text).toBe('There are three nodules.');
    expect(stripLeakyText('Based on the provided context, the lesion is benign-looking.').stripped[0]?.reason).toBe('mentions_context');
  });

  it('leaves honest uncertainty and ordinary wording alone', () => {
    for (const text of [
      'I cannot determine from the image whether the door is locked.',
      'In the context of chronic inflammation, these cells are expected.',
      'A description of the growth pattern helps the grading.',
      'The cells are well coordinated in palisades.',
    ]) {
      expect(stripLeakyText(text), text).toEqual({ text, stripped: [] });
    }
  });

  it('drops on refusals, apologies and image tokens', () => {
    expect(stripLeakyText('As an AI language model, I cannot see images.').dropReason).toBe('refusal');
    expect(stripLeakyText('I don’t have access to the actual image, but it may show a cat.').dropReason).toBe('refusal');
    expect(stripLeakyText('My apologies, the sign is unreadable.').dropReason).toBe('apology');
    expect(stripLeakyText('<image> A cat.').dropReason).toBe('image_token');
  });

  it('splits sentences without breaking decimals or abbreviations in lower case', () => {
    expect(splitSentences('It is 0.5 mm wide. It grows e.g. in fat! Why? Yes.')).toEqual(['It is 0.5 mm wide.', 'It grows e.g. in fat!', 'Why?', 'Yes.']);
  });
});

describe('filterLeakage', () => {
  it('records why each pair was dropped or stripped and accepts custom rules', () => {
    const pairs = [
      { question: 'What is in the provided description?', answer: 'A cat.' },
      { question: 'What color is the cat?', answer: 'It is gray. The caption calls it gray too.' },
      { question: 'Where is it?', answer: 'On the sofa.' },
    ];
    const result = filterLeakage(pairs);
    expect(result.kept).toEqual([
      { question: 'What color is the cat?', answer: 'It is gray.' },
      { question: 'Where is it?', answer: 'On the sofa.' },
    ]);
    expect(result.dropped.map((d) => [d.index, d.reason])).toEqual([[0, 'mentions_description']]);
    expect(result.stripped.map((s) => [s.index, s.reason])).toEqual([[1, 'mentions_caption']]);
    const sofa: LeakRule = { reason: 'mentions_source', action: 'drop', pattern: /\bsofa\b/i };
    expect(filterLeakage(pairs, { rules: [...defaultLeakRules, sofa] }).kept).toHaveLength(1);
  });
});
