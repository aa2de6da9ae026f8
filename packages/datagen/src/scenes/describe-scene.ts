import type { Rng } from '@vlm/core';

import type { Scene, SceneObject } from './scene';

/** Where a box's centre falls in a 3x3 grid: `top left`, `top`, `center`, `bottom right`, ... */
export function regionOf(box: readonly [number, number, number, number]): string {
  const cx = (box[0] + box[2]) / 2;
  const cy = (box[1] + box[3]) / 2;
  const h = cx < 1 / 3 ? 'left' : cx > 2 / 3 ? 'right' : 'center';
  const v = cy < 1 / 3 ? 'top' : cy > 2 / 3 ? 'bottom' : 'middle';
  if (v === 'middle') return h === 'center' ? 'center' : h;
  return h === 'center' ? v : `${v} ${h}`;
}

/** `in the top left`, `at the top`, `in the center`, `on the left`. */
export function regionPhrase(region: string): string {
  if (region === 'left' || region === 'right') return `on the ${region}`;
  if (region === 'top' || region === 'bottom') return `at the ${region}`;
  return `in the ${region}`;
}

/** `a` or `an` for a following word. */
export function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

/** `a red circle`. */
export function objectPhrase(object: Pick<SceneObject, 'colour' | 'shape'>): string {
  return `${article(object.colour)} ${object.colour} ${object.shape}`;
}

/** `a, b and c`. */
export function listPhrase(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

const numberWords = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

/** `two` (falls back to digits above ten). */
export function numberWord(n: number): string {
  return numberWords[n] ?? String(n);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Five captions of a scene in different phrasings (a list, a count, positions, a photo-style line, the
 * background first), like COCO's five annotators; their order is shuffled by the generator.
 */
export function captionScene(scene: Scene, rng: Rng): string[] {
  const phrases = scene.objects.map(objectPhrase);
  const placed = scene.objects.map((o) => `${objectPhrase(o)} ${regionPhrase(regionOf(o.boxNormalised))}`);
  const n = scene.objects.length;
  const bg = scene.background;
  if (n === 0) return [`An empty ${bg} background.`, `A plain ${bg} image with no shapes.`];
  const captions = [
    `${capitalise(listPhrase(phrases))} on ${article(bg)} ${bg} background.`,
    `${capitalise(numberWord(n))} ${n === 1 ? 'shape' : 'shapes'} on ${article(bg)} ${bg} background: ${listPhrase(phrases)}.`,
    `${capitalise(listPhrase(placed))}.`,
    `An image showing ${listPhrase(phrases)}.`,
    `${capitalise(article(bg))} ${bg} background with ${listPhrase(placed)}.`,
  ];
  return rng.shuffle(captions);
}
