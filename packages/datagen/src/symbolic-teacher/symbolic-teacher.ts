import { createRng, type LlavaRecord, type Rng } from '@vlm/core';
import { detailedDescriptionQuestions, sampleQuestion, toLlavaConversation, type ImagePlacement, type QaPair } from '@vlm/prompts';

import { dedupeQuestions } from '../jobs/question-dedup';
import { listPhrase, numberWord } from '../scenes/describe-scene';
import { shapeKinds } from '../scenes/palette';
import { anObject, area, capitalise, theObject, whereIs } from './phrases';
import { colourQuestion, countQuestion, positionQuestion, presenceQuestion, reasoningQuestion, referableObjects, relativeQuestion, totalQuestion } from './symbolic-qa';
import type { SymbolicScene } from './symbolic-scene';

/** The kinds of data the symbolic teacher writes, mirroring LLaVA-Instruct's three. */
export type SymbolicKind = 'conversation' | 'detail' | 'reasoning';

/** Options of {@link symbolicTeacher}. */
export interface SymbolicTeacherOptions {
  seed?: number;
  kinds?: readonly SymbolicKind[];
  /** Categories that may be asked about when absent (default: the synthetic shape kinds). */
  vocabulary?: readonly string[];
  /** Pairs per conversation (default 3..5). */
  turns?: [number, number];
  placement?: ImagePlacement;
}

/** Version of the rules, recorded as `prompt_version` (bump when answers change). */
export const symbolicTeacherVersion = '1';

/** A detailed description of a scene: the count, every object and its place, the largest one. */
export function describeSymbolicScene(scene: SymbolicScene): string {
  const n = scene.objects.length;
  if (n === 0) return `The image is an empty ${scene.background ?? 'plain'} background with no objects in it.`;
  const bg = scene.background ? ` on ${scene.background === 'white' ? 'a white' : `a ${scene.background}`} background` : '';
  const sentences = [`The image shows ${numberWord(n)} ${n === 1 ? 'object' : 'objects'}${bg}: ${listPhrase(scene.objects.map(anObject))}.`];
  for (const o of scene.objects) sentences.push(`${capitalise(anObject(o))} is ${whereIs(o)}.`);
  const referable = referableObjects(scene);
  if (referable.length >= 2) {
    const biggest = [...referable].sort((p, q) => area(q) - area(p))[0]!;
    sentences.push(`The largest of them is ${theObject(biggest)}.`);
  }
  return sentences.join(' ');
}

function conversationPairs(scene: SymbolicScene, rng: Rng, options: SymbolicTeacherOptions): QaPair[] {
  const vocabulary = options.vocabulary ?? shapeKinds;
  const makers = [
    () => countQuestion(scene, rng),
    () => colourQuestion(scene, rng),
    () => positionQuestion(scene, rng),
    () => presenceQuestion(scene, rng, vocabulary),
    () => relativeQuestion(scene, rng),
    () => totalQuestion(scene),
  ];
  const [min, max] = options.turns ?? [3, 5];
  const wanted = min + rng.int(max - min + 1);
  const pairs: QaPair[] = [];
  for (const make of rng.shuffle(makers)) {
    if (pairs.length >= wanted) break;
    const pair = make();
    if (pair) pairs.push(pair);
  }
  return dedupeQuestions(pairs).kept;
}

/**
 * The rule-based teacher: LLaVA-style conversation, detailed description and simple reasoning records
 * computed from boxes and categories (counts, colours, positions, relative positions, presence and
 * absence). Offline and exact, for tests, the training demo and checking a pipeline end to end.
 */
export function symbolicTeacher(scenes: Iterable<SymbolicScene>, options: SymbolicTeacherOptions = {}): LlavaRecord[] {
  const root = createRng(options.seed ?? 0);
  const kinds = options.kinds ?? ['conversation', 'detail', 'reasoning'];
  const records: LlavaRecord[] = [];
  for (const scene of scenes) {
    for (const kind of kinds) {
      const id = `${scene.id}-${kind}`;
      const rng = root.fork(id);
      let pairs: QaPair[];
      if (kind === 'conversation') pairs = conversationPairs(scene, rng, options);
      else if (kind === 'detail') pairs = [{ question: sampleQuestion(detailedDescriptionQuestions, rng), answer: describeSymbolicScene(scene) }];
      else {
        const pair = reasoningQuestion(scene, rng);
        pairs = pair ? [pair] : [];
      }
      if (pairs.length === 0) continue;
      const placement = scene.image === undefined ? 'none' : (options.placement ?? 'random');
      records.push({
        id,
        ...(scene.image !== undefined ? { image: scene.image } : {}),
        conversations: toLlavaConversation(pairs, { placement, rng }),
        kind,
        prompt_id: `symbolic/${kind}`,
        prompt_version: symbolicTeacherVersion,
        teacher_model: 'symbolic',
      });
    }
  }
  return records;
}
