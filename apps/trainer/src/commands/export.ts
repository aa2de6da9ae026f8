import { parseArgs } from 'node:util';
import { selectBackend } from '@vlm/connectors';
import type { TokenizerSpec } from '@vlm/train';
import { createTokenizer, exportHfLlava, exportTrainingData, loadCheckpoint, loadLlavaDataset } from '@vlm/train/node';
import { processIo, type Command } from './io';

const USAGE = [
  'usage: vlm-train export <data.json|jsonl> --out dir [--image-root dir] [--template vicuna_v1] [--tokenizer llama-2|bytes|tokenizer.json] [--system text] [--max-length n] [--shard-size n]',
  '       vlm-train export --format hf --checkpoint dir --out dir [--dtype f32|f16|bf16] [--max-shard-size bytes] [--force]',
].join('\n');

const HF_DTYPES = { f32: 'F32', f16: 'F16', bf16: 'BF16' } as const;

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
      format: { type: 'string' }, checkpoint: { type: 'string' }, dtype: { type: 'string', default: 'f32' }, 'max-shard-size': { type: 'string' }, force: { type: 'boolean' },
    },
  });
  if (values.format !== undefined && values.format !== 'hf') {
    io.err(`unknown --format ${values.format} (hf writes a transformers LlavaForConditionalGeneration folder)\n${USAGE}`);
    return 2;
  }
  if (values.format === 'hf') {
    const dtype = HF_DTYPES[values.dtype as keyof typeof HF_DTYPES];
    const maxShard = values['max-shard-size'] === undefined ? undefined : Number(values['max-shard-size']);
    if (!values.checkpoint || !values.out || positionals.length > 0 || !dtype || (maxShard !== undefined && !(Number.isInteger(maxShard) && maxShard > 0))) {
      io.err(!dtype ? `--dtype must be f32, f16 or bf16\n${USAGE}` : USAGE);
      return 2;
    }
    await selectBackend({ log: () => {} });
    const checkpoint = await loadCheckpoint(values.checkpoint);
    const r = await exportHfLlava(checkpoint, values.out, { dtype, maxShardBytes: maxShard, force: values.force });
    io.out(`wrote ${r.dir}: ${r.files.join(', ')}`);
    for (const note of r.notes) io.out(`note: ${note}`);
    io.out(`load it with: LlavaForConditionalGeneration.from_pretrained("${r.dir}") and AutoProcessor.from_pretrained("${r.dir}")`);
    return 0;
  }
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
