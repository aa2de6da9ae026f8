import { type Rng } from '@vlm/core';
import { type CaptionedScene, numberWord, regionOf, sceneColours, shapeKinds } from '@vlm/datagen/scenes';

/** The question types the demo trains and evaluates. */
export const questionTypes = ['colour', 'shape', 'count', 'position'] as const;
/** One of {@link questionTypes}. */
export type QuestionType = (typeof questionTypes)[number];

/** A short-answer question about one scene. */
export interface ShortQuestion {
  type: QuestionType;
  question: string;
  answer: string;
}

/** The instruction that asks for a short answer (LLaVA-1.5 style, shortened for a tiny LM). */
export const SHORT_ANSWER_SUFFIX = ' Answer briefly.';

const POSITIONS = ['top left', 'top', 'top right', 'left', 'center', 'right', 'bottom left', 'bottom', 'bottom right'];

/** How many answers each type can have: uniform chance is one over it. */
export function answerSpace(type: QuestionType, maxObjects: number): string[] {
  if (type === 'colour') return sceneColours.map((c) => c.name);
  if (type === 'shape') return [...shapeKinds];
  if (type === 'count') return Array.from({ length: maxObjects }, (_, i) => numberWord(i + 1));
  return POSITIONS;
}

function unique<T>(items: readonly T[], key: (t: T) => string): T[] {
  const counts = new Map<string, number>();
  for (const t of items) counts.set(key(t), (counts.get(key(t)) ?? 0) + 1);
  return items.filter((t) => counts.get(key(t)) === 1);
}

/** One question of a type about a scene (undefined when the scene cannot answer it unambiguously). */
export function askQuestion(scene: CaptionedScene, type: QuestionType, rng: Rng): ShortQuestion | undefined {
  const objects = scene.objects;
  if (type === 'count') return { type, question: `How many shapes are there?${SHORT_ANSWER_SUFFIX}`, answer: numberWord(objects.length) };
  if (type === 'colour') {
    const o = unique(objects, (x) => x.shape);
    if (o.length === 0) return undefined;
    const pick = rng.pick(o);
    return { type, question: `What color is the ${pick.shape}?${SHORT_ANSWER_SUFFIX}`, answer: pick.colour };
  }
  if (type === 'shape') {
    const o = unique(objects, (x) => x.colour);
    if (o.length === 0) return undefined;
    const pick = rng.pick(o);
    return { type, question: `What shape is the ${pick.colour} object?${SHORT_ANSWER_SUFFIX}`, answer: pick.shape };
  }
  if (objects.length === 0) return undefined;
  const pick = rng.pick(objects);
  return { type, question: `Where is the ${pick.colour} ${pick.shape}?${SHORT_ANSWER_SUFFIX}`, answer: regionOf(pick.boxNormalised) };
}

/** Normalises an answer for exact match: lower case, no surrounding space or final full stop. */
export function normaliseAnswer(text: string): string {
  return text.trim().toLowerCase().replace(/[.!]+$/, '').trim();
}
