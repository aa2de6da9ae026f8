import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LlavaRecord, Rng } from '@vlm/core';
import type { TokenizerSpec } from '@vlm/train';
import { createTokenizer } from '@vlm/train/node';
import type { DemoPreset } from './demo-preset';
import { demoTokenizerJson, tokenizerCorpus } from './demo-tokenizer';
import type { CaptionedScene } from '@vlm/datagen/scenes';
import { captionRecords, instructionRecords, pretrainingLines } from './records';

/** The demo's stage data on disk and the tokenizer learned from it (see `writeDemoData`). */
export interface DemoData {
  /** Folder holding `align.json` (captions, stage 1) and `instruct.json` (instructions, stage 2). */
  dataDir: string;
  alignRecords: LlavaRecord[];
  instructRecords: LlavaRecord[];
  /** The LM's text-pretraining lines. */
  lines: string[];
  tokenizerSpec: TokenizerSpec;
  /** `tokenizer.json` in the output folder when the preset learns a BPE vocabulary. */
  tokenizerFile?: string;
  tokenizer: Awaited<ReturnType<typeof createTokenizer>>;
}

/**
 * Writes the stage data through the real path (LLaVA JSON on disk, later validated, formatted and
 * tokenized) and gives a from-scratch LM its own vocabulary, learned from the text it will be trained
 * on. Shared by `vlm-train demo` and the connector shoot-out, so both see the same records.
 */
export async function writeDemoData(
  outDir: string,
  scenes: readonly CaptionedScene[],
  preset: Pick<DemoPreset, 'mix' | 'tokenizer' | 'systemMessage'>,
  seed: number,
  rng: Rng,
): Promise<DemoData> {
  const dataDir = join(outDir, 'data');
  await mkdir(dataDir, { recursive: true });
  const alignRecords = captionRecords(scenes, rng.fork('captions'));
  const instructRecords = instructionRecords(scenes, preset.mix, seed, rng.fork('instruct'));
  await writeFile(join(dataDir, 'align.json'), JSON.stringify(alignRecords, null, 1));
  await writeFile(join(dataDir, 'instruct.json'), JSON.stringify(instructRecords, null, 1));
  const lines = pretrainingLines(scenes, seed);
  let tokenizerSpec: TokenizerSpec = { kind: 'bytes' };
  let tokenizerFile: string | undefined;
  if (preset.tokenizer.kind === 'bpe') {
    tokenizerFile = join(outDir, 'tokenizer.json');
    const corpus = tokenizerCorpus(lines, [
      { records: alignRecords, template: 'plain' },
      { records: instructRecords, template: 'vicuna_v1', systemMessage: preset.systemMessage },
    ]);
    await writeFile(tokenizerFile, JSON.stringify(demoTokenizerJson(corpus, preset.tokenizer.vocabSize)));
    tokenizerSpec = { kind: 'hf', file: tokenizerFile };
  }
  const tokenizer = await createTokenizer(tokenizerSpec);
  return { dataDir, alignRecords, instructRecords, lines, tokenizerSpec, tokenizerFile, tokenizer };
}
