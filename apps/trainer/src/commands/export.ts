import { parseArgs } from 'node:util';
import type { TokenizerSpec } from '@vlm/train';
import { createTokenizer, exportTrainingData, loadLlavaDataset } from '@vlm/train/node';
import { processIo, type Command } from './io';

const USAGE = 'usage: vlm-train export <data.json|jsonl> --out dir [--image-root dir] [--template vicuna_v1] [--tokenizer llama-2|bytes|tokenizer.json] [--system text] [--max-length n] [--shard-size n]';

function tokenizerSpecOf(value: string | undefined): TokenizerSpec {
  if (value === undefined || value === 'llama-2') return { kind: 'llama-2' };
  if (value === 'bytes') return { kind: 'bytes' };
  return { kind: 'hf', file: value };
}

/** `vlm-train export data.json --out dir`: validated LLaVA JSON plus pre-tokenised shards for other trainers. */
export const exportCommand: Command = async (args, io = processIo) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string' }, 'image-root': { type: 'string' }, template: { type: 'string', default: 'vicuna_v1' }, tokenizer: { type: 'string' },
      system: { type: 'string' }, 'max-length': { type: 'string' }, 'shard-size': { type: 'string' },
    },
  });
  const file = positionals[0];
  if (!file || !values.out) {
    io.err(USAGE);
    return 2;
  }
  const dataset = await loadLlavaDataset(file, values['image-root']);
  const tokenizerSpec = tokenizerSpecOf(values.tokenizer);
  const tokenizer = await createTokenizer(tokenizerSpec);
  const r = await exportTrainingData(dataset.records, {
    outDir: values.out,
    tokenizer,
    tokenizerSpec,
    template: values.template,
    systemMessage: values.system,
    maxLength: values['max-length'] ? Number(values['max-length']) : undefined,
    shardSize: values['shard-size'] ? Number(values['shard-size']) : undefined,
  });
  io.out(`${r.records} records, ${r.tokens} tokens (${r.trainedTokens} trained) with ${values.template} / ${tokenizer.name}`);
  io.out(`LLaVA JSON: ${r.llavaJson}`);
  io.out(`shards: ${r.shards.join(', ')}`);
  io.out(`manifest: ${r.manifest}`);
  return 0;
};
