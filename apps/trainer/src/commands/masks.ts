import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { formatConversation, parseLlavaDataset, renderMask, tokenizeConversation, VlmError } from '@vlm/core';
import { readDatasetFile } from '@vlm/core/node';
import { processIo, type Command } from './io';
import { tokenizerFromOption } from './tokenizer-option';

const USAGE = 'usage: vlm-train masks <data.json> [--template vicuna_v1] [--row n] [--tokenizer llama-2|bytes|tokenizer.json] [--image-tokens n] [--html out.html]';

/** `vlm-train masks data.json [--template x] [--row n]`: which tokens of a record are trained. */
export const masksCommand: Command = async (args, io = processIo) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      template: { type: 'string', default: 'vicuna_v1' },
      row: { type: 'string', default: '0' },
      tokenizer: { type: 'string' },
      'image-tokens': { type: 'string' },
      html: { type: 'string' },
    },
  });
  const file = positionals[0];
  if (!file) {
    io.err(USAGE);
    return 2;
  }
  const records = parseLlavaDataset(await readDatasetFile(file), { file });
  const row = Number(values.row);
  const record = records[row];
  if (!Number.isInteger(row) || record === undefined) {
    throw new VlmError('row_out_of_range', `Row ${values.row} does not exist (the file has ${records.length} records).`, { location: { file }, hint: `Use --row 0..${records.length - 1}.` });
  }
  const tokenizer = await tokenizerFromOption(values.tokenizer);
  const formatted = formatConversation(record, { template: values.template, row });
  const imageTokens = values['image-tokens'] === undefined ? undefined : Number(values['image-tokens']);
  const tokenized = tokenizeConversation(formatted, tokenizer, { imageTokens });
  io.out(renderMask(tokenized, { format: io.color ? 'ansi' : 'text', tokenizer }));
  io.out(`\nrow ${row} (id ${JSON.stringify(record.id)}), template ${formatted.template.name}, tokenizer ${tokenizer.name}: ${tokenized.inputIds.length} positions, ${tokenized.trainedTokens} trained, ${tokenized.imagePositions.length} image(s)`);
  if (values.html) {
    await writeFile(values.html, `<!doctype html><meta charset="utf-8"><title>${record.id}</title>${renderMask(tokenized, { format: 'html', tokenizer })}\n`);
    io.out(`wrote ${values.html}`);
  }
  return 0;
};
