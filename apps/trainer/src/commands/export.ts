import { cliUsageError, defineCommand, intOption } from '@vlm/core/node';
import type { TokenizerSpec } from '@vlm/train';
import { createTokenizer, exportTrainingData, loadLlavaDataset } from '@vlm/train/node';
import { processIo, type Command } from './io';

const USAGE = `usage: vlm-train export <data.json|data.jsonl> --out <dir> [--image-root dir] [--template vicuna_v1] [--tokenizer llama-2|bytes|tokenizer.json] [--system text] [--max-length n] [--shard-size n]
  Writes validated LLaVA JSON plus pre-tokenised JSONL shards (input_ids, labels) and a manifest, for
  other trainers.
  --out <dir>            output folder (required)
  --image-root <dir>     folder the records' image paths are relative to (images are checked)
  --template <name>      conversation template (default vicuna_v1)
  --tokenizer <t>        llama-2 (default), bytes, or a tokenizer.json path
  --system <text>        system message of the template
  --max-length <n>       truncate each record to n tokens
  --shard-size <n>       records per shard`;

function tokenizerSpecOf(value: string | undefined): TokenizerSpec {
  if (value === undefined || value === 'llama-2') return { kind: 'llama-2' };
  if (value === 'bytes') return { kind: 'bytes' };
  return { kind: 'hf', file: value };
}

/** `vlm-train export data.json --out dir`: validated LLaVA JSON plus pre-tokenised shards for other trainers. */
export const exportCommand: Command = defineCommand(
  {
    summary: 'write LLaVA JSON and pre-tokenised shards for other trainers',
    usage: USAGE,
    options: {
      out: { type: 'string' },
      'image-root': { type: 'string' },
      template: { type: 'string', default: 'vicuna_v1' },
      tokenizer: { type: 'string' },
      system: { type: 'string' },
      'max-length': { type: 'string' },
      'shard-size': { type: 'string' },
    },
    positionals: { min: 1, name: 'the dataset file (data.json or data.jsonl)' },
    io: processIo,
  },
  async ({ values, positionals }, io) => {
    const file = positionals[0]!;
    const outDir = values.out;
    if (!outDir) throw cliUsageError('export needs --out <dir>.', { field: '--out', hint: 'For example --out exported.' });
    const maxLength = intOption(values['max-length'], 'max-length', { min: 1 });
    const shardSize = intOption(values['shard-size'], 'shard-size', { min: 1 });
    const dataset = await loadLlavaDataset(file, values['image-root']);
    const tokenizerSpec = tokenizerSpecOf(values.tokenizer);
    const tokenizer = await createTokenizer(tokenizerSpec);
    const r = await exportTrainingData(dataset.records, { outDir, tokenizer, tokenizerSpec, template: values.template, systemMessage: values.system, maxLength, shardSize });
    io.out(`${r.records} records, ${r.tokens} tokens (${r.trainedTokens} trained) with ${values.template} / ${tokenizer.name}`);
    io.out(`LLaVA JSON: ${r.llavaJson}`);
    io.out(`shards: ${r.shards.join(', ')}`);
    io.out(`manifest: ${r.manifest}`);
    return 0;
  },
);
