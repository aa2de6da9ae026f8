// `vlm-datagen stats <dataset>`: what a LLaVA dataset (and optionally a generation run) contains.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { parseLlavaDataset, VlmError } from '@vlm/core';
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

export async function statsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { run: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const file = positionals[0];
  if (values.help || (!file && !values.run)) {
    console.log(usage);
    return values.help ? 0 : 2;
  }
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
}
