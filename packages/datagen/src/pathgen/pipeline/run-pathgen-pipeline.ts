import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { createRng, IMAGE_TOKEN, VlmError, type LlavaRecord } from '@vlm/core';
import { detailedDescriptionQuestions } from '@vlm/prompts';

import { JsonlAppender } from '../../jsonl/jsonl-appender';
import type { TeacherChat } from '../../quilt/instruct/teacher-chat';
import { describePatch } from '../agents/describe-patch';
import type { Embedder } from '../retrieval/embedder';
import { injectErrors, type RevisionPair } from '../revision/inject-errors';
import { reviseDescription } from '../revision/revise-description';
import type { ClipTokenizer } from '../summarise/clip-tokenizer';
import { summariseWithinBudget, type BudgetedSummary } from '../summarise/summarise';
import { readPatch, type TilingOptions } from '../tiling/tile-image';
import { selectPatches, type SelectedPatch, type SlideInput } from './select-patches';

/** Options of the PathGen pipeline. */
export interface PathgenPipelineOptions {
  outDir: string;
  embedder: Embedder;
  /** Vision model for the description agent (image data URLs). */
  describer: TeacherChat;
  /** Text model for revision and summarisation; defaults to the describer. */
  writer?: TeacherChat;
  tokenizer: ClipTokenizer;
  /** Type prompts shared by slides without their own. */
  prompts: string[];
  seed?: number | string;
  tiling?: TilingOptions;
  clusters?: number;
  cap?: number;
  /** CLIP token budget of captions, start and end included. Default 77. */
  budget?: number;
  /** Run the revise agent over each description before summarising. Default true. */
  revise?: boolean;
  /** Injected errors per revision training pair. Default 1. */
  errorsPerPair?: number;
  /** Side of saved patch images. Default: the patch size. */
  saveSize?: number;
  onProgress?: (event: { stage: string; done: number; total: number }) => void;
}

/** One finished image-text pair. */
export interface PathgenPair {
  id: string;
  image: string;
  caption: string;
  description: string;
  tokens: number;
  truncated: boolean;
  slide: string;
  score: number;
}

/** What the pipeline wrote. */
export interface PathgenPipelineResult {
  selected: SelectedPatch[];
  pairs: PathgenPair[];
  revisionPairs: (RevisionPair & { id: string })[];
  instructions: LlavaRecord[];
  files: { selection: string; descriptions: string; summaries: string; pairs: string; instructions: string; revisions: string };
  /** Records reused from an earlier run, per stage. */
  resumed: { descriptions: number; summaries: number };
  /** Patches skipped because the describer's answer was unusable (retried on the next run). */
  failures: { id: string; reason: string }[];
}

function readDone<T extends { id: string }>(path: string): { map: Map<string, T>; appender: JsonlAppender } {
  const map = new Map<string, T>();
  const appender = JsonlAppender.open(path, { durability: 'write', onExisting: (line) => map.set((line.value as T).id, line.value as T) });
  return { map, appender };
}

/**
 * PathGen end to end: retrieval (tiling, embedding, ranking, diversity) -> description agent ->
 * revise agent -> summarise agent within the CLIP budget, plus revise-agent training pairs by error
 * injection. Every stage writes its own file and is skipped or resumed on rerun.
 */
export async function runPathgenPipeline(slides: readonly SlideInput[], options: PathgenPipelineOptions): Promise<PathgenPipelineResult> {
  const out = options.outDir;
  const rng = createRng(options.seed ?? 0);
  const writer = options.writer ?? options.describer;
  await mkdir(join(out, 'patches'), { recursive: true });
  const files = {
    selection: join(out, 'selection.json'),
    descriptions: join(out, 'descriptions.jsonl'),
    summaries: join(out, 'summaries.jsonl'),
    pairs: join(out, 'pathgen_pairs.json'),
    instructions: join(out, 'pathgen_instruct.json'),
    revisions: join(out, 'revision_pairs.jsonl'),
  };

  // Stage 1: retrieval, written once.
  let selected: SelectedPatch[];
  if (existsSync(files.selection)) {
    selected = JSON.parse(await readFile(files.selection, 'utf8')) as SelectedPatch[];
  } else {
    selected = [];
    for (const [i, slide] of slides.entries()) {
      const chosen = await selectPatches(slide, { embedder: options.embedder, prompts: options.prompts, rng: rng.fork('retrieval'), tiling: options.tiling, clusters: options.clusters, cap: options.cap });
      for (const patch of chosen) {
        const image = `patches/${slide.id}_${patch.id}.png`;
        await writeFile(join(out, image), await readPatch(slide.path, patch, { resize: options.saveSize }));
      }
      selected.push(...chosen);
      options.onProgress?.({ stage: 'retrieval', done: i + 1, total: slides.length });
    }
    await writeFile(`${files.selection}.tmp`, JSON.stringify(selected, null, 1));
    await rename(`${files.selection}.tmp`, files.selection);
  }
  const idOf = (p: SelectedPatch) => `${p.slide}_${p.id}`;
  const imageOf = (p: SelectedPatch) => `patches/${idOf(p)}.png`;

  // Stage 2: description (+ revision), one line per patch.
  const descriptions = readDone<{ id: string; description: string; draft: string }>(files.descriptions);
  const failures: { id: string; reason: string }[] = [];
  const resumedDescriptions = descriptions.map.size;
  try {
    for (const [i, patch] of selected.entries()) {
      const id = idOf(patch);
      if (descriptions.map.has(id)) continue;
      const bytes = await readFile(join(out, imageOf(patch)));
      try {
        const draft = await describePatch(bytes, options.describer, { id });
        const description = options.revise === false ? draft : await reviseDescription(draft, writer);
        const entry = { id, description, draft };
        descriptions.map.set(id, entry);
        await descriptions.appender.append(entry);
      } catch (error) {
        // An unusable answer skips this patch (a rerun retries it); transport failures stop the run.
        if (!(error instanceof VlmError) || error.code !== 'teacher_unparseable') throw error;
        failures.push({ id, reason: error.message });
      }
      options.onProgress?.({ stage: 'description', done: i + 1, total: selected.length });
    }
  } finally {
    await descriptions.appender.close();
  }

  const described = selected.filter((patch) => descriptions.map.has(idOf(patch)));

  // Stage 3: summaries within the CLIP budget.
  const summaries = readDone<BudgetedSummary & { id: string }>(files.summaries);
  const resumedSummaries = summaries.map.size;
  try {
    for (const [i, patch] of described.entries()) {
      const id = idOf(patch);
      if (summaries.map.has(id)) continue;
      const summary = { id, ...(await summariseWithinBudget(descriptions.map.get(id)!.description, writer, { tokenizer: options.tokenizer, budget: options.budget })) };
      summaries.map.set(id, summary);
      await summaries.appender.append(summary);
      options.onProgress?.({ stage: 'summary', done: i + 1, total: described.length });
    }
  } finally {
    await summaries.appender.close();
  }

  // Stage 4: revise-agent training pairs (pure and seeded, so simply rewritten).
  const revisionPairs = described.map((patch) => {
    const id = idOf(patch);
    return { id, ...injectErrors(descriptions.map.get(id)!.description, rng.fork(`revision-${id}`), { count: options.errorsPerPair ?? 1 }) };
  });
  await writeFile(files.revisions, revisionPairs.map((p) => JSON.stringify(p)).join('\n') + (revisionPairs.length ? '\n' : ''));

  const pairs: PathgenPair[] = described.map((patch) => {
    const id = idOf(patch);
    const summary = summaries.map.get(id);
    if (!summary) throw new VlmError('pathgen_missing_summary', 'a selected patch has no summary', { location: { id, file: files.summaries } });
    return { id, image: imageOf(patch), caption: summary.text, description: descriptions.map.get(id)!.description, tokens: summary.tokens, truncated: summary.truncated, slide: patch.slide, score: patch.score };
  });
  const questions = rng.fork('questions');
  const instructions: LlavaRecord[] = pairs.flatMap((pair) => [
    {
      id: `${pair.id}_description`,
      image: pair.image,
      conversations: [
        { from: 'human' as const, value: `${IMAGE_TOKEN}\n${questions.pick(detailedDescriptionQuestions)}` },
        { from: 'gpt' as const, value: pair.description },
      ],
    },
    {
      id: `${pair.id}_caption`,
      image: pair.image,
      conversations: [
        { from: 'human' as const, value: `${IMAGE_TOKEN}\nSummarise this pathology image in one or two sentences.` },
        { from: 'gpt' as const, value: pair.caption },
      ],
    },
  ]);
  await writeFile(files.pairs, JSON.stringify(pairs, null, 1));
  await writeFile(files.instructions, JSON.stringify(instructions, null, 1));
  return { selected, pairs, revisionPairs, instructions, files, resumed: { descriptions: resumedDescriptions, summaries: resumedSummaries }, failures };
}
