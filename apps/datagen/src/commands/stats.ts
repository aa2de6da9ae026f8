// `vlm-datagen stats <dataset>`: what a LLaVA dataset (and optionally a generation run) contains.
import { readFileSync } from 'node:fs';

import { parseLlavaDataset, VlmError } from '@vlm/core';
import { defineCommand, cliUsageError } from '@vlm/core/node';
import { datasetStats, generationRunStats, readJsonl } from '@vlm/datagen';

const usage = [
  'usage: vlm-datagen stats <dataset.json|.jsonl> [--run <generation out-dir>] [--json]',
  '  --run   also summarise a generation folder: accepted, rejects by reason, failures, cached answers',
  '  --json  print the numbers as JSON',
].join('\n');

function table(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? '-' : entries.map(([k, n]) => `${k} ${n}`).join(', ');
}

export const statsCommand = defineCommand(
  {
    summary: 'what a LLaVA dataset (and a generation run) contains',
    usage,
    options: { run: { type: 'string' }, json: { type: 'boolean' } },
    positionals: { max: 1, name: 'the dataset file' },
  },
  async ({ values, positionals }) => {
    const file = positionals[0];
    if (!file && !values.run) throw cliUsageError('stats needs a dataset file or --run <dir>.');
    let dataset;
    if (file) {
      let raw: unknown;
      try {
        raw = file.endsWith('.jsonl') ? readJsonl(file) : JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        throw new VlmError('dataset_unreadable', `Cannot read ${file}: ${(error as Error).message}`, { location: { file } });
      }
      dataset = datasetStats(parseLlavaDataset(raw, { file }));
    }
    const run = values.run ? generationRunStats(values.run) : undefined;
    if (values.json) {
      console.log(JSON.stringify({ dataset, run }, null, 2));
      return 0;
    }
    if (dataset) {
      console.log(
        [
          `records: ${dataset.records} (${dataset.withImage} with image, ${dataset.textOnly} text-only, ${dataset.multiImage} multi-image, ${dataset.duplicateIds} duplicate ids)`,
          `rounds per record: min ${dataset.rounds.min}, mean ${dataset.rounds.mean.toFixed(2)}, max ${dataset.rounds.max}`,
          `mean words: question ${dataset.meanWords.question.toFixed(1)}, answer ${dataset.meanWords.answer.toFixed(1)}`,
          `image placement: before ${dataset.imagePlacement.before}, after ${dataset.imagePlacement.after}, elsewhere ${dataset.imagePlacement.elsewhere}`,
          `prompts: ${table(dataset.byPromptId)}`,
          `teachers: ${table(dataset.byTeacher)}`,
          `kinds: ${table(dataset.byKind)}`,
          `sources: ${table(dataset.bySource)}`,
        ].join('\n'),
      );
    }
    if (run) {
      console.log(
        [
          `run: ${run.accepted} accepted (${run.records} records), ${run.rejected} rejected, ${run.failures} failed, ${run.cachedAnswers} cached answers`,
          `reject reasons: ${table(run.rejectReasons)}`,
          `failure codes: ${table(run.failureCodes)}`,
        ].join('\n'),
      );
    }
    return 0;
  },
);
