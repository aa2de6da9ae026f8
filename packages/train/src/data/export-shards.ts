import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LlavaRecord, Tokenizer } from '@vlm/core';
import type { TokenizerSpec } from '../checkpoint/tokenizer-spec';
import { writeFileAtomic } from '../checkpoint/save-checkpoint';
import { prepareSamples } from './prepare-samples';

/** Options of {@link exportTrainingData}. */
export interface ExportOptions {
  outDir: string;
  tokenizer: Tokenizer;
  tokenizerSpec: TokenizerSpec;
  template: string;
  systemMessage?: string;
  maxLength?: number;
  /** Records per shard (default 10 000). */
  shardSize?: number;
}

/** What was written. */
export interface ExportResult {
  llavaJson: string;
  shards: string[];
  manifest: string;
  records: number;
  tokens: number;
  trainedTokens: number;
}

/**
 * Writes a dataset for other trainers: the records as LLaVA JSON (`data.json`), and pre-tokenised
 * JSONL shards (`input_ids` with -200 per image, `labels` with -100, `images`) plus a manifest naming
 * the template and tokenizer they were made with. Every file is written atomically.
 */
export async function exportTrainingData(records: readonly LlavaRecord[], o: ExportOptions): Promise<ExportResult> {
  await mkdir(o.outDir, { recursive: true });
  const llavaJson = join(o.outDir, 'data.json');
  await writeFileAtomic(llavaJson, JSON.stringify(records, null, 1));
  const samples = prepareSamples(records, { tokenizer: o.tokenizer, template: o.template, systemMessage: o.systemMessage, maxLength: o.maxLength });
  const shardSize = o.shardSize ?? 10_000;
  const shards: string[] = [];
  for (let start = 0; start < samples.length; start += shardSize) {
    const path = join(o.outDir, `shard-${String(shards.length).padStart(5, '0')}.jsonl`);
    const lines = samples.slice(start, start + shardSize).map((s) => JSON.stringify({ id: s.id, input_ids: s.inputIds, labels: s.labels, images: s.images }));
    await writeFileAtomic(path, `${lines.join('\n')}\n`);
    shards.push(path);
  }
  const tokens = samples.reduce((n, s) => n + s.inputIds.length, 0);
  const trainedTokens = samples.reduce((n, s) => n + s.trainedTokens, 0);
  const manifest = join(o.outDir, 'manifest.json');
  await writeFile(
    manifest,
    `${JSON.stringify(
      {
        format: 'vlm-tokenized-shards',
        version: 1,
        template: o.template,
        systemMessage: o.systemMessage,
        tokenizer: { ...o.tokenizerSpec, name: o.tokenizer.name, vocabSize: o.tokenizer.vocabSize },
        imageTokenIndex: -200,
        ignoreIndex: -100,
        records: samples.length,
        tokens,
        trainedTokens,
        shards: shards.map((s) => s.slice(o.outDir.length + 1)),
      },
      null,
      2,
    )}\n`,
  );
  return { llavaJson, shards, manifest, records: samples.length, tokens, trainedTokens };
}
