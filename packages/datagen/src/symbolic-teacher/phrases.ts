import { article, regionOf, regionPhrase } from '../scenes/describe-scene';
import type { SymbolicSceneObject } from './symbolic-scene';

const irregular: Record<string, string> = { person: 'people', mouse: 'mice', knife: 'knives', sheep: 'sheep', skis: 'skis', scissors: 'scissors' };

/** English plural of a category name (`bus` -> `buses`, `person` -> `people`). */
export function plural(noun: string): string {
  const words = noun.split(' ');
  const last = words.pop() ?? '';
  let out: string;
  if (irregular[last]) out = irregular[last];
  else if (/(s|x|z|ch|sh)$/.test(last)) out = `${last}es`;
  else if (/[^aeiou]y$/.test(last)) out = `${last.slice(0, -1)}ies`;
  else out = `${last}s`;
  return [...words, out].join(' ');
}

/** `circle` or `circles` by count. */
export function nounFor(category: string, count: number): string {
  return count === 1 ? category : plural(category);
}

/** `the red circle` (or `the circle` without a colour). */
export function theObject(object: SymbolicSceneObject): string {
  return object.colour ? `the ${object.colour} ${object.category}` : `the ${object.category}`;
}

/** `a red circle` / `an apple`. */
export function anObject(object: SymbolicSceneObject): string {
  const name = object.colour ? `${object.colour} ${object.category}` : object.category;
  return `${article(name)} ${name}`;
}

/** `in the top left of the image`, `on the left side of the image`, `in the center of the image`. */
export function whereIs(object: SymbolicSceneObject): string {
  const region = regionOf(object.box);
  if (region === 'center') return 'in the center of the image';
  if (region === 'left' || region === 'right') return `on the ${region} side of the image`;
  return `${regionPhrase(region)} of the image`;
}

export function centre(object: SymbolicSceneObject): [number, number] {
  return [(object.box[0] + object.box[2]) / 2, (object.box[1] + object.box[3]) / 2];
}

export function area(object: SymbolicSceneObject): number {
  return (object.box[2] - object.box[0]) * (object.box[3] - object.box[1]);
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
