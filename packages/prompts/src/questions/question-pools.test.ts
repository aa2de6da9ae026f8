import { describe, expect, it } from 'vitest';
import { createRng } from '@vlm/core';
import { briefDescriptionQuestions } from './brief-description';
import { conceptAlignmentQuestions } from './concept-alignment';
import { detailedDescriptionQuestions } from './detailed-description';
import { createQuestionSampler, sampleQuestion } from './question-sampler';

describe('question pools', () => {
  it('holds the seed lists exactly', () => {
    expect(briefDescriptionQuestions).toHaveLength(11);
    expect(detailedDescriptionQuestions).toHaveLength(16);
    expect(briefDescriptionQuestions[0]).toBe('Describe the image concisely.');
    expect(briefDescriptionQuestions[10]).toBe('Create a compact narrative representing the image presented.');
    // the seed's curly apostrophe, not an ASCII one
    expect(briefDescriptionQuestions[6]).toBe('Present a compact description of the photo\u2019s key features.');
    expect(detailedDescriptionQuestions[0]).toBe('Describe the following image in detail');
    expect(detailedDescriptionQuestions[15]).toBe('Write an exhaustive depiction of the given image');
    expect(detailedDescriptionQuestions.every((q) => !q.endsWith('.'))).toBe(true);
    expect(new Set([...briefDescriptionQuestions, ...detailedDescriptionQuestions]).size).toBe(27);
    expect(conceptAlignmentQuestions).toEqual(briefDescriptionQuestions);
  });

  it('samples deterministically per seed and covers the pool', () => {
    const a = Array.from({ length: 50 }, (_, i) => sampleQuestion(detailedDescriptionQuestions, createRng(`q${i}`)));
    const b = Array.from({ length: 50 }, (_, i) => sampleQuestion(detailedDescriptionQuestions, createRng(`q${i}`)));
    expect(a).toEqual(b);
    const sampler = createQuestionSampler(briefDescriptionQuestions, createRng(1));
    const seen = new Set(Array.from({ length: 400 }, () => sampler.next()));
    expect(seen.size).toBe(11);
    expect(sampler.drawn).toBe(400);
  });

  it('uses every question once per cycle in cycle mode', () => {
    const sampler = createQuestionSampler(detailedDescriptionQuestions, createRng(7), { mode: 'cycle' });
    const first = Array.from({ length: 16 }, () => sampler.next());
    expect(new Set(first).size).toBe(16);
    const second = Array.from({ length: 16 }, () => sampler.next());
    expect(new Set(second).size).toBe(16);
    expect(second).not.toEqual(first);
  });

  it('refuses an empty pool', () => {
    expect(() => sampleQuestion([], createRng(1))).toThrow(/empty pool/);
    expect(() => createQuestionSampler([], createRng(1))).toThrow(/empty pool/);
  });
});
