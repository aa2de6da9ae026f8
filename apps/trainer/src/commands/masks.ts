import { writeFile } from 'node:fs/promises';
import { formatConversation, parseLlavaDataset, renderMask, tokenizeConversation, VlmError } from '@vlm/core';
import { defineCommand, intOption, readDatasetFile } from '@vlm/core/node';
import { processIo, type Command } from './io';
import { tokenizerFromOption } from './tokenizer-option';

const USAGE = `usage: vlm-train masks <data.json|data.jsonl> [--template vicuna_v1] [--row n] [--tokenizer llama-2|bytes|tokenizer.json] [--image-tokens n] [--html out.html]
  Shows which tokens of one record are trained (the loss mask).
  --template <name>      conversation template (default vicuna_v1)
  --row <n>              record index, from 0 (default 0)
  --tokenizer <t>        llama-2 (default), bytes, or a tokenizer.json path
  --image-tokens <n>     positions per image (default: one placeholder)
  --html <file>          also write the view as HTML`;

/** `vlm-train masks data.json [--template x] [--row n]`: which tokens of a record are trained. */
export const masksCommand: Command = defineCommand(
  {
    summary: 'show which tokens of a record are trained',
    usage: USAGE,
    options: {
      template: { type: 'string', default: 'vicuna_v1' },
      row: { type: 'string' },
      tokenizer: { type: 'string' },
      'image-tokens': { type: 'string' },
      html: { type: 'string' },
    },
    positionals: { min: 1, name: 'the dataset file (data.json or data.jsonl)' },
    io: processIo,
  },
  async ({ values, positionals }, io) => {
    const file = positionals[0]!;
    const row = intOption(values.row, 'row', { min: 0 }) ?? 0;
    const imageTokens = intOption(values['image-tokens'], 'image-tokens', { min: 1 });
    const records = parseLlavaDataset(await readDatasetFile(file), { file });
    const record = records[row];
    if (record === undefined) {
      throw new VlmError('row_out_of_range', `Row ${row} does not exist (the file has ${records.length} records).`, { location: { file }, hint: `Use --row 0..${records.length - 1}.` });
    }
    const tokenizer = await tokenizerFromOption(values.tokenizer);
    const formatted = formatConversation(record, { template: values.template, row });
    const tokenized = tokenizeConversation(formatted, tokenizer, { imageTokens });
    io.out(renderMask(tokenized, { format: io.color ? 'ansi' : 'text', tokenizer }));
    io.out(`\nrow ${row} (id ${JSON.stringify(record.id)}), template ${formatted.template.name}, tokenizer ${tokenizer.name}: ${tokenized.inputIds.length} positions, ${tokenized.trainedTokens} trained, ${tokenized.imagePositions.length} image(s)`);
    if (values.html) {
      await writeFile(values.html, `<!doctype html><meta charset="utf-8"><title>${record.id}</title>${renderMask(tokenized, { format: 'html', tokenizer })}\n`);
      io.out(`wrote ${values.html}`);
    }
    return 0;
  },
);
