import { type LlavaRecord, type Rng, type Tokenizer } from '@vlm/core';
import { type CaptionedScene, symbolicSceneFromScene, symbolicTeacher } from '@vlm/datagen/scenes';
import type { TrainSample } from '@vlm/train';
import { type QuestionType, askQuestion, questionTypes } from './questions';

/** Stage 1 (plain template): `<image>` then one of the scene's captions. */
export function captionRecords(scenes: readonly CaptionedScene[], rng: Rng): LlavaRecord[] {
  return scenes.map((s) => ({
    id: `${s.id}-caption`,
    image: s.image,
    conversations: [
      { from: 'human', value: '<image>' },
      { from: 'gpt', value: rng.fork(s.id).pick(s.captions) },
    ],
  }));
}

/** Text-only records mixed into stage 2 (facts about the world that need no image). */
export const TEXT_ONLY_RECORDS: LlavaRecord[] = [
  ['What colors can the shapes have? Answer briefly.', 'red, green, blue, yellow, purple or orange'],
  ['Which shapes can appear? Answer briefly.', 'circles, squares, triangles and diamonds'],
  ['How many corners does a triangle have? Answer briefly.', 'three'],
  ['How many corners does a square have? Answer briefly.', 'four'],
  ['Does a circle have corners? Answer briefly.', 'no'],
].map(([q, a], i) => ({ id: `text-${i}`, conversations: [{ from: 'human', value: q as string }, { from: 'gpt', value: a as string }] }));

/** Options of {@link instructionRecords}. */
export interface InstructionMix {
  /** Short-answer questions per scene record (one multi-turn conversation per scene). */
  turns: number;
  /** Share of scenes that also get a symbolic-teacher record of each kind. */
  teacherShare: { conversation: number; detail: number; reasoning: number };
  /** Copies of each text-only record. */
  textOnlyCopies: number;
}

/**
 * Stage 2 data: per training scene a multi-turn conversation of short-answer questions (colour,
 * shape, count, position), plus symbolic-teacher conversation / detail / reasoning records for a share
 * of the scenes, plus text-only records, so image and text-only samples meet in one batch.
 */
export function instructionRecords(scenes: readonly CaptionedScene[], mix: InstructionMix, seed: number, rng: Rng): LlavaRecord[] {
  const out: LlavaRecord[] = [];
  for (const s of scenes) {
    const r = rng.fork(s.id);
    const asked = r
      .shuffle(questionTypes)
      .map((t: QuestionType) => askQuestion(s, t, r))
      .filter((q) => q !== undefined)
      .slice(0, mix.turns);
    out.push({
      id: `${s.id}-short`,
      image: s.image,
      conversations: asked.flatMap((q, i) => [
        { from: 'human' as const, value: i === 0 ? `<image>\n${q.question}` : q.question },
        { from: 'gpt' as const, value: q.answer },
      ]),
    });
  }
  const symbolic = scenes.map(symbolicSceneFromScene);
  for (const kind of ['conversation', 'detail', 'reasoning'] as const) {
    const share = mix.teacherShare[kind];
    if (share <= 0) continue;
    const chosen = symbolic.filter((_, i) => rng.fork(`${kind}-${i}`).next() < share);
    out.push(...symbolicTeacher(chosen, { seed, kinds: [kind], turns: [1, 2], placement: 'before' }));
  }
  for (let c = 0; c < mix.textOnlyCopies; c++) for (const t of TEXT_ONLY_RECORDS) out.push({ ...t, id: `${t.id}-${c}` });
  return out;
}

/** LM pretraining text: the captions and the answers of the teacher, one line each. */
export function pretrainingLines(scenes: readonly CaptionedScene[], seed: number): string[] {
  const lines = new Set<string>();
  for (const s of scenes) for (const c of s.captions) lines.add(c);
  for (const r of symbolicTeacher(scenes.map(symbolicSceneFromScene), { seed, kinds: ['conversation'], placement: 'none' })) {
    for (const t of r.conversations) lines.add(t.value.replace('<image>', '').trim());
  }
  return [...lines];
}

/** The pretraining lines as raw-text samples (BOS, text, EOS; every token trained). */
export function pretrainingText(lines: readonly string[], tokenizer: Tokenizer): TrainSample[] {
  return lines.map((text, i) => {
    const ids = [...tokenizer.encode(text), tokenizer.eosId as number];
    return { id: `text-${i}`, inputIds: ids, labels: ids.slice(), images: [], trainedTokens: ids.length - 1 };
  });
}
