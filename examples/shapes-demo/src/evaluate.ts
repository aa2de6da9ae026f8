import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@vlm/core';
import type { CaptionedScene } from '@vlm/datagen/scenes';
import { type ChatModel, answer } from '@vlm/train';
import type { ImageStore } from '@vlm/train/node';
import { DemoInterruptedError, abortedAfterYield } from './demo-interrupted';
import { type QuestionType, answerSpace, askQuestion, normaliseAnswer, questionTypes } from './questions';

/** One held-out question and what the model answered with and without the image. */
export interface EvaluatedQuestion {
  scene: string;
  image: string;
  type: QuestionType;
  question: string;
  expected: string;
  withImage: string;
  textOnly: string;
}

/** Exact-match accuracy of one question type. */
export interface TypeAccuracy {
  type: QuestionType;
  n: number;
  /** The model with the image. */
  model: number;
  /** The same model without the image (text-only baseline). */
  textOnly: number;
  /** One over the number of possible answers. */
  chance: number;
}

/**
 * Asks one question of every type about each unseen scene, with the image and without it, and
 * scores exact match after normalisation (case, surrounding space, final full stop). With
 * `withImage: false` only the text-only answers are asked (a text-only model's baseline).
 */
export async function evaluateHeldOut(
  chat: ChatModel,
  scenes: readonly CaptionedScene[],
  images: ImageStore,
  seed: number,
  maxObjects: number,
  options: { withImage?: boolean; signal?: AbortSignal } = {},
): Promise<{ accuracy: TypeAccuracy[]; questions: EvaluatedQuestion[] }> {
  const askWithImage = options.withImage ?? true;
  const questions: EvaluatedQuestion[] = [];
  // Decoding is greedy, so a text-only answer depends on the question's text alone: asked once per
  // distinct question (the same questions recur across scenes), not once per scene.
  const textOnlyAnswers = new Map<string, string>();
  for (const [done, scene] of scenes.entries()) {
    // Ctrl-C: stop between scenes (the caller reports where), never in the middle of one.
    if (await abortedAfterYield(options.signal)) throw new DemoInterruptedError({ phase: 'evaluation', step: done, totalSteps: scenes.length }, []);
    const rng = createRng(seed).fork(`eval-${scene.id}`);
    const pixels = (await images.batch([scene.image])) as tf.Tensor4D;
    for (const type of questionTypes) {
      const q = askQuestion(scene, type, rng);
      if (!q) continue;
      const withImage = askWithImage ? await answer(chat, [{ from: 'human', value: `<image>\n${q.question}` }], { pixelValues: pixels, maxNewTokens: 16 }) : '';
      let textOnly = textOnlyAnswers.get(q.question);
      if (textOnly === undefined) {
        textOnly = await answer(chat, [{ from: 'human', value: q.question }], { maxNewTokens: 16 });
        textOnlyAnswers.set(q.question, textOnly);
      }
      questions.push({ scene: scene.id, image: scene.image, type, question: q.question, expected: q.answer, withImage, textOnly });
    }
    pixels.dispose();
  }
  const accuracy = questionTypes.map((type) => {
    const qs = questions.filter((q) => q.type === type);
    const hit = (a: string, b: string) => (normaliseAnswer(a) === normaliseAnswer(b) ? 1 : 0);
    const n = qs.length;
    return {
      type,
      n,
      model: n ? qs.reduce((s, q) => s + hit(q.withImage, q.expected), 0) / n : 0,
      textOnly: n ? qs.reduce((s, q) => s + hit(q.textOnly, q.expected), 0) / n : 0,
      chance: 1 / answerSpace(type, maxObjects).length,
    };
  });
  return { accuracy, questions };
}
