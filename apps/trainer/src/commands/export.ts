import { selectBackend } from '@vlm/connectors';
import { choiceOption, cliUsageError, defineCommand, intOption } from '@vlm/core/node';
import type { TokenizerSpec } from '@vlm/train';
import { createTokenizer, exportHfLlava, exportTrainingData, loadCheckpoint, loadLlavaDataset } from '@vlm/train/node';
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
  --shard-size <n>       records per shard
usage: vlm-train export --format hf --checkpoint <dir> --out <dir> [--dtype f32|f16|bf16] [--max-shard-size bytes] [--force]
   Writes a transformers LlavaForConditionalGeneration folder (config, weights, tokenizer, chat template,
   processor config) that from_pretrained and AutoProcessor.from_pretrained load.
  --format hf            export a checkpoint as a Hugging Face LLaVA folder
  --checkpoint <dir>     the checkpoint to export (a vlm-train checkpoint or a HF LLaVA folder)
  --dtype <d>            stored weights: f32 (default), f16 or bf16
  --max-shard-size <n>   largest shard in bytes (default 5 GB); bigger models get model.safetensors.index.json
  --force                replace an existing, non-empty --out folder`;

const HF_DTYPES = { f32: 'F32', f16: 'F16', bf16: 'BF16' } as const;

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
      format: { type: 'string' },
      checkpoint: { type: 'string' },
      dtype: { type: 'string' },
      'max-shard-size': { type: 'string' },
      force: { type: 'boolean' },
    },
    positionals: { min: 0, max: 1, name: 'the dataset file (data.json or data.jsonl)' },
    io: processIo,
  },
  async ({ values, positionals }, io) => {
    const outDir = values.out;
    if (!outDir) throw cliUsageError('export needs --out <dir>.', { field: '--out', hint: 'For example --out exported.' });
    const format = choiceOption(values.format, 'format', ['hf']);
    if (format === 'hf') {
      if (!values.checkpoint) throw cliUsageError('export --format hf needs --checkpoint <dir>.', { field: '--checkpoint', hint: 'For example --checkpoint runs/x/checkpoints/1-instruct.' });
      if (positionals.length > 0) throw cliUsageError(`export --format hf takes no dataset file (got ${JSON.stringify(positionals[0])}).`, { field: '--format' });
      const dtype = HF_DTYPES[choiceOption(values.dtype, 'dtype', ['f32', 'f16', 'bf16']) ?? 'f32'];
      const maxShardBytes = intOption(values['max-shard-size'], 'max-shard-size', { min: 1 });
      await selectBackend({ log: () => {} });
      const checkpoint = await loadCheckpoint(values.checkpoint);
      const r = await exportHfLlava(checkpoint, outDir, { dtype, maxShardBytes, force: values.force });
      io.out(`wrote ${r.dir}: ${r.files.join(', ')}`);
      for (const note of r.notes) io.out(`note: ${note}`);
      io.out(`load it with: LlavaForConditionalGeneration.from_pretrained("${r.dir}") and AutoProcessor.from_pretrained("${r.dir}")`);
      return 0;
    }
    const file = positionals[0];
    if (!file) throw cliUsageError('Missing the dataset file (data.json or data.jsonl).', { hint: 'Or export a model with --format hf --checkpoint <dir>.' });
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
