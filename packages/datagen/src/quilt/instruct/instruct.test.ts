import { createRng } from '@vlm/core';
import { detailedDescriptionQuestions } from '@vlm/prompts';
import { describe, expect, it } from 'vitest';

import { generateQuiltAbduction, generateQuiltConversation, generateQuiltDetail, generateQuiltReasoning, type GroundedImage } from './generate-instructions';
import { parseDiagnosis } from './quilt-diagnosis-prompt';
import { describePosition, symbolicQuiltTeacher } from './symbolic-teacher';
import type { TeacherRequest } from './teacher-chat';

const image: GroundedImage = {
  id: 'v_000',
  image: 'images/v_000.png',
  caption: 'crowded glands [0.1, 0.1, 0.3, 0.3], necrosis [0.7, 0.7, 0.9, 0.9]',
  segments: [
    { text: 'crowded glands', box: [0.1, 0.1, 0.3, 0.3], cluster: 0 },
    { text: 'necrosis', box: [0.7, 0.7, 0.9, 0.9], cluster: 1 },
  ],
};
const video = { diagnosis: 'adenocarcinoma', clues: ['crowded glands', 'necrosis'] };

describe('diagnosis parsing', () => {
  it('reads bulleted or semicolon clues and "none"', () => {
    expect(parseDiagnosis('Diagnosis: adenocarcinoma\nClues:\n- glands\n- necrosis')).toEqual({ diagnosis: 'adenocarcinoma', clues: ['glands', 'necrosis'] });
    expect(parseDiagnosis('Diagnosis: none\nClues: a; b')).toEqual({ diagnosis: undefined, clues: ['a', 'b'] });
  });
});

describe('Quilt instruction records with the symbolic teacher', () => {
  const teacher = symbolicQuiltTeacher();

  it('places boxes in words', () => {
    expect(describePosition([0.1, 0.1, 0.3, 0.3])).toBe('upper left');
    expect(describePosition([0.4, 0.4, 0.6, 0.6])).toBe('centre');
    expect(describePosition([0.4, 0.8, 0.6, 0.9])).toBe('lower centre');
  });

  it('builds a conversation record from the quilt/conversation prompt with boxes kept', async () => {
    const seen: TeacherRequest[] = [];
    const record = await generateQuiltConversation(image, async (r) => {
      seen.push(r);
      return teacher(r);
    });
    expect(seen[0]!.temperature).toBe(0);
    expect(seen[0]!.maxTokens).toBe(512);
    expect(seen[0]!.messages.at(-1)!.content).toBe(image.caption);
    expect(record).toMatchObject({ id: 'v_000_conversation', prompt: 'quilt/conversation@1' });
    expect(record.conversations[0]!.value).toBe('<image>\nWhat can be seen in the upper left of the image?');
    expect(record.conversations).toHaveLength(6);
    expect(record.conversations.at(-1)!.value).toMatch(/AI assistant, not a doctor/);
    expect(JSON.stringify(record.conversations)).not.toMatch(/\[0\./);
    expect(record.boxes).toEqual([
      { text: 'crowded glands', box: [0.1, 0.1, 0.3, 0.3] },
      { text: 'necrosis', box: [0.7, 0.7, 0.9, 0.9] },
    ]);
  });

  it('asks a detail question from the pool, reasons from the slide, and runs abduction to CORRECT!!!', async () => {
    const detail = await generateQuiltDetail(image, teacher, createRng(1));
    expect(detailedDescriptionQuestions).toContain(detail.conversations[0]!.value.replace('<image>\n', ''));
    const reasoning = await generateQuiltReasoning(image, video, teacher);
    expect(reasoning.conversations[0]!.value).toBe('<image>\nWhich findings in this image support adenocarcinoma?');
    const abduction = await generateQuiltAbduction(image, video, teacher, createRng(2));
    expect(abduction.conversations.map((t) => t.value)).toEqual([
      '<image>\nIs this a benign reactive process?',
      'Look again at the upper left: Crowded glands.',
      'Is this adenocarcinoma?',
      'The features fit adenocarcinoma.',
    ]);
  });

  it('rejects unparseable teacher output with the record id', async () => {
    await expect(generateQuiltConversation(image, async () => 'no turns here')).rejects.toThrow(/quilt.conversation/);
    await expect(generateQuiltReasoning(image, { clues: [] }, teacher)).rejects.toThrow(/diagnosis/);
  });
});
