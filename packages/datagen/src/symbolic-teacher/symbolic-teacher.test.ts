import { createRng, parseLlavaDataset } from '@vlm/core';
import { describe, expect, it } from 'vitest';

import { createScenes } from '../scenes/create-scenes';
import { plural } from './phrases';
import { colourQuestion, countQuestion, positionQuestion, presenceQuestion, reasoningQuestion, relativeQuestion } from './symbolic-qa';
import { symbolicSceneFromCoco, symbolicSceneFromScene, type SymbolicScene } from './symbolic-scene';
import { describeSymbolicScene, symbolicTeacher } from './symbolic-teacher';

const redCircle = { category: 'circle', colour: 'red', box: [0.05, 0.05, 0.25, 0.25] as [number, number, number, number] };
const greenCircle = { category: 'circle', colour: 'green', box: [0.4, 0.05, 0.6, 0.3] as [number, number, number, number] };
const blueSquare = { category: 'square', colour: 'blue', box: [0.6, 0.7, 0.95, 0.95] as [number, number, number, number] };
const scene = (objects: SymbolicScene['objects']): SymbolicScene => ({ id: 's', image: 's.png', background: 'white', objects });

describe('symbolic questions', () => {
  it('count, colour, position and presence answers follow the boxes', () => {
    expect(countQuestion(scene([redCircle, greenCircle]), createRng(1))).toEqual({ question: 'How many circles are there in the image?', answer: 'There are two circles in the image.' });
    expect(colourQuestion(scene([redCircle, greenCircle, blueSquare]), createRng(1))).toEqual({ question: 'What color is the square?', answer: 'The square is blue.' });
    expect(positionQuestion(scene([redCircle]), createRng(1))).toEqual({ question: 'Where is the red circle located?', answer: 'The red circle is in the top left of the image.' });
    expect(presenceQuestion(scene([redCircle]), createRng(1), ['triangle'])).toEqual({ question: 'Is there a triangle in the image?', answer: 'No, there is no triangle in the image.' });
    expect(presenceQuestion(scene([blueSquare]), createRng(1), ['square'])).toEqual({ question: 'Is there a square in the image?', answer: 'Yes, there is a blue square in the bottom right of the image.' });
  });

  it('relative positions are right whichever way the question is asked', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 30; seed++) {
      const rightSquare = { ...blueSquare, box: [0.7, 0.3, 0.95, 0.55] as [number, number, number, number] };
      const pair = relativeQuestion(scene([redCircle, rightSquare]), createRng(seed))!;
      seen.add(pair.question);
      const truth: Record<string, string> = {
        'Is the red circle to the left of the blue square?': 'Yes, the red circle is to the left of the blue square.',
        'Is the red circle to the right of the blue square?': 'No, the red circle is to the left of the blue square.',
        'Is the blue square to the left of the red circle?': 'No, the blue square is to the right of the red circle.',
        'Is the blue square to the right of the red circle?': 'Yes, the blue square is to the right of the red circle.',
      };
      expect(pair.answer).toBe(truth[pair.question]);
    }
    expect(seen.size).toBe(4);
    // mostly vertical offsets are asked as above/below
    expect(relativeQuestion(scene([redCircle, blueSquare]), createRng(0))!.answer).toMatch(/^(Yes, the red circle is above the blue square|No, the red circle is above the blue square|Yes, the blue square is below the red circle|No, the blue square is below the red circle)\.$/);
  });

  it('reasoning answers give their reason', () => {
    const answers = new Set<string>();
    for (let seed = 0; seed < 40; seed++) answers.add(reasoningQuestion(scene([redCircle, blueSquare]), createRng(seed))!.answer);
    expect(answers).toContain('The red circle is closest to the top: it is in the top left of the image, higher than the blue square.');
    expect(answers).toContain('One object is in the left half of the image (a red circle); the other one is in the right half.');
    expect(answers).toContain('The blue square is the largest object; it covers about 9% of the image, more than the red circle at about 4%.');
  });

  it('describes a scene', () => {
    expect(describeSymbolicScene(scene([redCircle, blueSquare]))).toBe(
      'The image shows two objects on a white background: a red circle and a blue square. A red circle is in the top left of the image. A blue square is in the bottom right of the image. The largest of them is the blue square.',
    );
    expect(plural('bus')).toBe('buses');
    expect(plural('person')).toBe('people');
    expect(plural('teddy bear')).toBe('teddy bears');
  });
});

describe('symbolicTeacher', () => {
  it('writes valid, seeded LLaVA records of three kinds for synthetic scenes', () => {
    const scenes = createScenes({ count: 20, seed: 4, minObjects: 2, maxObjects: 4 }).map(symbolicSceneFromScene);
    const records = symbolicTeacher(scenes, { seed: 1 });
    expect(parseLlavaDataset(records)).toHaveLength(records.length);
    expect(records.filter((r) => r.kind === 'conversation')).toHaveLength(20);
    expect(records.filter((r) => r.kind === 'detail')).toHaveLength(20);
    expect(records.filter((r) => r.kind === 'reasoning').length).toBeGreaterThan(15);
    expect(symbolicTeacher(scenes, { seed: 1 })).toEqual(records);
    expect(records[0]).toMatchObject({ prompt_id: 'symbolic/conversation', teacher_model: 'symbolic', image: 'scene-000000.png' });
    for (const r of records.filter((x) => x.kind === 'conversation')) {
      const questions = r.conversations.filter((t) => t.from === 'human').map((t) => t.value.replace('<image>', '').trim());
      expect(new Set(questions).size).toBe(questions.length);
      expect(questions.length).toBeGreaterThanOrEqual(3);
    }
    const first = records.map((r) => r.conversations[0]!.value);
    expect(first.some((v) => v.startsWith('<image>\n')) && first.some((v) => v.endsWith('\n<image>'))).toBe(true);
  });

  it('reads COCO-annotated images (normalised boxes, no colours)', () => {
    const s = symbolicSceneFromCoco({ id: '9', fileName: '9.jpg', width: 200, height: 100, captions: ['x'], objects: [{ category: 'dog', box: [0, 0, 50, 50] }, { category: 'bus', box: [150, 50, 50, 50] }] });
    expect(s.objects[0]!.box).toEqual([0, 0, 0.25, 0.5]);
    const [record] = symbolicTeacher([s], { kinds: ['detail'], placement: 'before' });
    expect(record!.conversations[1]!.value).toContain('A dog is in the top left of the image.');
  });
});
