import type { Rng } from '@vlm/core';
import type { QaPair } from '@vlm/prompts';

import { listPhrase, numberWord } from '../scenes/describe-scene';
import { anObject, area, capitalise, centre, nounFor, plural, theObject, whereIs } from './phrases';
import type { SymbolicScene, SymbolicSceneObject } from './symbolic-scene';

/** Objects a phrase like "the red circle" names unambiguously. */
export function referableObjects(scene: SymbolicScene): SymbolicSceneObject[] {
  const counts = new Map<string, number>();
  for (const o of scene.objects) counts.set(theObject(o), (counts.get(theObject(o)) ?? 0) + 1);
  return scene.objects.filter((o) => counts.get(theObject(o)) === 1);
}

function countsByCategory(scene: SymbolicScene): Map<string, number> {
  const counts = new Map<string, number>();
  for (const o of scene.objects) counts.set(o.category, (counts.get(o.category) ?? 0) + 1);
  return counts;
}

function thereAre(n: number, noun: string): string {
  return n === 1 ? `There is one ${noun}` : `There are ${numberWord(n)} ${noun}`;
}

/** "How many X are there?" for a present category. */
export function countQuestion(scene: SymbolicScene, rng: Rng): QaPair | undefined {
  const counts = [...countsByCategory(scene)];
  if (counts.length === 0) return undefined;
  const [category, n] = rng.pick(counts);
  return { question: `How many ${plural(category)} are there in the image?`, answer: `${thereAre(n, nounFor(category, n))} in the image.` };
}

/** "What color is the circle?" for an object that is the only one of its category. */
export function colourQuestion(scene: SymbolicScene, rng: Rng): QaPair | undefined {
  const counts = countsByCategory(scene);
  const candidates = scene.objects.filter((o) => o.colour && counts.get(o.category) === 1);
  if (candidates.length === 0) return undefined;
  const o = rng.pick(candidates);
  return { question: `What color is the ${o.category}?`, answer: `The ${o.category} is ${o.colour}.` };
}

/** "Where is the red circle?" */
export function positionQuestion(scene: SymbolicScene, rng: Rng): QaPair | undefined {
  const candidates = referableObjects(scene);
  if (candidates.length === 0) return undefined;
  const o = rng.pick(candidates);
  return { question: `Where is ${theObject(o)} located?`, answer: `${capitalise(theObject(o))} is ${whereIs(o)}.` };
}

/** "Is there a triangle in the image?": present or absent, from the category vocabulary. */
export function presenceQuestion(scene: SymbolicScene, rng: Rng, vocabulary: readonly string[]): QaPair | undefined {
  const present = countsByCategory(scene);
  const absent = vocabulary.filter((c) => !present.has(c));
  const askAbsent = absent.length > 0 && (present.size === 0 || rng.bool());
  if (askAbsent) {
    const category = rng.pick(absent);
    return { question: `Is there ${anObject({ category, box: [0, 0, 0, 0] })} in the image?`, answer: `No, there is no ${category} in the image.` };
  }
  if (present.size === 0) return undefined;
  const [category, n] = rng.pick([...present]);
  const instances = scene.objects.filter((o) => o.category === category);
  const detail = n === 1 ? `${anObject(instances[0]!)} ${whereIs(instances[0]!)}` : `${numberWord(n)} of them: ${listPhrase(instances.map(anObject))}`;
  return { question: `Is there ${anObject({ category, box: [0, 0, 0, 0] })} in the image?`, answer: `Yes, there is ${detail}.` };
}

/** "Is the red circle to the left of the blue square?" (or above/below), answered from the box centres. */
export function relativeQuestion(scene: SymbolicScene, rng: Rng): QaPair | undefined {
  const candidates = referableObjects(scene);
  if (candidates.length < 2) return undefined;
  const [a, b] = rng.shuffle(candidates) as [SymbolicSceneObject, SymbolicSceneObject];
  const [ax, ay] = centre(a);
  const [bx, by] = centre(b);
  const horizontal = Math.abs(ax - bx) >= Math.abs(ay - by);
  if (horizontal) {
    const asked = rng.bool() ? 'left' : 'right';
    const actual = ax < bx ? 'left' : 'right';
    const yes = asked === actual;
    return {
      question: `Is ${theObject(a)} to the ${asked} of ${theObject(b)}?`,
      answer: yes ? `Yes, ${theObject(a)} is to the ${actual} of ${theObject(b)}.` : `No, ${theObject(a)} is to the ${actual} of ${theObject(b)}.`,
    };
  }
  const asked = rng.bool() ? 'above' : 'below';
  const actual = ay < by ? 'above' : 'below';
  const yes = asked === actual;
  return {
    question: `Is ${theObject(a)} ${asked} ${theObject(b)}?`,
    answer: yes ? `Yes, ${theObject(a)} is ${actual} ${theObject(b)}.` : `No, ${theObject(a)} is ${actual} ${theObject(b)}.`,
  };
}

/** "How many objects are there in total?" */
export function totalQuestion(scene: SymbolicScene): QaPair {
  const n = scene.objects.length;
  return { question: 'How many objects are there in the image in total?', answer: `${thereAre(n, n === 1 ? 'object' : 'objects')} in the image.` };
}

/** Simple reasoning questions: extremes, halves, removal, size comparisons, each with its reason. */
export function reasoningQuestion(scene: SymbolicScene, rng: Rng): QaPair | undefined {
  const referable = referableObjects(scene);
  const kinds: Array<() => QaPair | undefined> = [
    () => {
      if (referable.length < 2) return undefined;
      const top = [...referable].sort((p, q) => centre(p)[1] - centre(q)[1])[0]!;
      return {
        question: 'Which object is closest to the top of the image?',
        answer: `${capitalise(theObject(top))} is closest to the top: it is ${whereIs(top)}, higher than ${listPhrase(referable.filter((o) => o !== top).map(theObject))}.`,
      };
    },
    () => {
      const left = scene.objects.filter((o) => centre(o)[0] < 0.5);
      const n = left.length;
      const which = n === 0 ? 'none of them' : listPhrase(left.map(anObject));
      return {
        question: 'How many objects are in the left half of the image?',
        answer: `${capitalise(numberWord(n))} ${n === 1 ? 'object is' : 'objects are'} in the left half of the image (${which}); the other ${numberWord(scene.objects.length - n)} ${scene.objects.length - n === 1 ? 'is' : 'are'} in the right half.`,
      };
    },
    () => {
      if (referable.length === 0) return undefined;
      const o = rng.pick(referable);
      const left = scene.objects.length - 1;
      return {
        question: `If ${theObject(o)} were removed, how many objects would remain in the image?`,
        answer: `There are ${numberWord(scene.objects.length)} objects now, so removing ${theObject(o)} would leave ${numberWord(left)} ${left === 1 ? 'object' : 'objects'}.`,
      };
    },
    () => {
      if (referable.length < 2) return undefined;
      const sorted = [...referable].sort((p, q) => area(q) - area(p));
      const [big, next] = sorted as [SymbolicSceneObject, SymbolicSceneObject];
      if (area(big) === area(next)) return undefined;
      return {
        question: 'Which object takes up the most space in the image?',
        answer: `${capitalise(theObject(big))} is the largest object; it covers about ${Math.round(area(big) * 100)}% of the image, more than ${theObject(next)} at about ${Math.round(area(next) * 100)}%.`,
      };
    },
  ];
  for (const kind of rng.shuffle(kinds)) {
    const pair = kind();
    if (pair) return pair;
  }
  return undefined;
}
