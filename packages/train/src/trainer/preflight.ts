import { dirname } from 'node:path';
import { VlmError, formatError, getTemplate, type Tokenizer } from '@vlm/core';
import { ImageStore, type ImageStoreOptions } from '../data/image-store';
import { loadLlavaDataset } from '../data/llava-dataset';
import { type TrainSample, prepareSamples } from '../data/prepare-samples';
import type { TrainConfig } from './train-config';

/** A stage's data, checked and ready: tokenized samples and its images (already decoded once). */
export interface PreparedStage {
  samples: TrainSample[];
  images: ImageStore;
}

/** What {@link preflightStages} needs besides the config. */
export interface PreflightInput {
  config: TrainConfig;
  /** Indices of the stages that will train (a resumed run skips finished ones). */
  stageIndices: readonly number[];
  /** Resolves a path of the config (relative to its folder). */
  at: (path: string) => string;
  /** The run's tokenizer, or the error creating it raised (still reported with the data problems). */
  tokenizer: Tokenizer | Error;
  /** Positions one image takes after splicing. */
  imageTokens: number;
  image: Omit<ImageStoreOptions, 'root'>;
}

/**
 * Checks every stage that will train before the first step: its template exists, its data file reads
 * and validates (schema, roles, `<image>` counts, every image inside the image root, present and
 * decodable), and every record formats and tokenizes with the stage's template and the tokenizer.
 * Every problem of every stage is listed in one error, so a mistake in stage 2 never costs stage 1.
 */
export async function preflightStages(input: PreflightInput): Promise<Map<number, PreparedStage>> {
  const { config, at } = input;
  const problems: string[] = [];
  const prepared = new Map<number, PreparedStage>();
  const fail = (where: string, error: unknown) => {
    if (!(error instanceof VlmError)) throw error;
    problems.push(`${where}: ${formatError(error).replace(/\n/g, '\n    ')}`);
  };
  if (input.tokenizer instanceof Error) fail('tokenizer', input.tokenizer);
  for (const i of input.stageIndices) {
    const stage = config.stages[i]!;
    const where = `stages[${i}] (${stage.name})`;
    let templateOk = true;
    try {
      getTemplate(stage.template);
    } catch (error) {
      templateOk = false;
      fail(`${where}.template`, error);
    }
    const imageRoot = stage.data.imageRoot ? at(stage.data.imageRoot) : undefined;
    const file = at(stage.data.path);
    const images = new ImageStore({ ...input.image, root: imageRoot ?? dirname(file) });
    let records;
    try {
      records = (await loadLlavaDataset(file, imageRoot, { imageDecodes: images.decodes })).records;
    } catch (error) {
      fail(`${where}.data`, error);
      continue;
    }
    if (!templateOk || input.tokenizer instanceof Error) continue;
    try {
      const samples = prepareSamples(records, {
        tokenizer: input.tokenizer,
        template: stage.template,
        systemMessage: stage.systemMessage,
        maxLength: stage.maxLength,
        imageTokens: input.imageTokens,
        lastTurnOnly: stage.lastTurnOnly,
        seed: config.seed,
      });
      prepared.set(i, { samples, images });
    } catch (error) {
      fail(`${where}.data`, error);
    }
  }
  if (problems.length > 0) {
    throw new VlmError('preflight_failed', `${problems.length} problem(s) found before training; nothing was trained:\n  ${problems.join('\n  ')}`, {
      hint: 'fix every problem listed (vlm-train validate <data> --image-root <dir> lists all bad rows of a file), then run again',
    });
  }
  return prepared;
}
