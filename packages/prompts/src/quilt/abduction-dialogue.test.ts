import { describe, expect, it } from 'vitest';
import { createRng } from '@vlm/core';
import { quiltAbductionAssistantPrompt, quiltAbductionStudentPrompt } from '../teachers/quilt-abduction';
import { abductionToPairs, createAbductionDialogue, sampleAbductionTurnCount } from './abduction-dialogue';

describe('abduction turn control', () => {
  it('draws 4 or 6 turns with weights 0.85 / 0.15, deterministically', () => {
    const rng = createRng(42);
    const counts = new Map<number, number>();
    for (let i = 0; i < 20000; i++) {
      const turns = sampleAbductionTurnCount(rng);
      counts.set(turns, (counts.get(turns) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([4, 6]);
    const six = (counts.get(6) ?? 0) / 20000;
    expect(six).toBeGreaterThan(0.14);
    expect(six).toBeLessThan(0.16);
    const again = createRng(42);
    const first = Array.from({ length: 10 }, () => sampleAbductionTurnCount(again));
    const third = createRng(42);
    expect(Array.from({ length: 10 }, () => sampleAbductionTurnCount(third))).toEqual(first);
  });

  it('alternates student and assistant and stops at the turn limit', () => {
    const dialogue = createAbductionDialogue(4);
    const order: string[] = [];
    while (!dialogue.done) {
      order.push(`${dialogue.next}${dialogue.isLastTurn ? '*' : ''}`);
      dialogue.add(`message ${order.length}`);
    }
    expect(order).toEqual(['student', 'assistant', 'student', 'assistant*']);
    expect(dialogue.stopReason).toBe('max-turns');
    expect(() => dialogue.add('more')).toThrow(/already ended/);
  });

  it('stops early on CORRECT!!! and on End of Guidance', () => {
    const correct = createAbductionDialogue(6);
    correct.add('Is it a dermatofibroma?');
    correct.add('CORRECT!!! The storiform pattern supports it.');
    expect(correct.done).toBe(true);
    expect(correct.stopReason).toBe('correct');
    const ended = createAbductionDialogue(6);
    ended.add('Is it a lipoma?');
    ended.add('Look at the spindle cells again. End of Guidance');
    expect(ended.stopReason).toBe('end-of-guidance');
    // a student cannot end the dialogue by writing the marker
    const student = createAbductionDialogue(4);
    student.add('CORRECT!!! I am sure.');
    expect(student.done).toBe(false);
    expect(abductionToPairs(correct.messages)).toEqual([{ question: 'Is it a dermatofibroma?', answer: 'The storiform pattern supports it.' }]);
    expect(abductionToPairs(ended.messages)[0]?.answer).toBe('Look at the spindle cells again');
    expect(() => createAbductionDialogue(5)).toThrow(/even number/);
  });

  it('drives both agent prompts from the dialogue state', () => {
    const slide = { diagnosis: 'Lipoma', clues: ['Mature adipocytes', 'Thin capsule'], patchCaption: 'all this fat here [0.1, 0.1, 0.9, 0.9]' };
    const dialogue = createAbductionDialogue(sampleAbductionTurnCount(createRng(1)));
    const student = quiltAbductionStudentPrompt.build({ patchCaption: slide.patchCaption, history: [...dialogue.messages] });
    expect(student.messages.at(-1)?.content).toContain('Conversation so far:\n(none)');
    dialogue.add('It looks like mature fat, so a lipoma.');
    const assistant = quiltAbductionAssistantPrompt.build({ ...slide, history: [...dialogue.messages], isLastTurn: dialogue.isLastTurn });
    expect(assistant.messages.at(-1)?.content).toContain('Student: It looks like mature fat, so a lipoma.');
  });
});
