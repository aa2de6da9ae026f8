import { BUILT_IN_TEMPLATE_NAMES, formatConversation, renderMask, tokenizeConversation, validateDataset } from '@vlm/core';
import { defineCommand, intOption } from '@vlm/core/node';
import { SAMPLE_DATASET } from '../sample/sample-dataset';
import { processIo, type Command } from './io';
import { tokenizerFromOption } from './tokenizer-option';

const USAGE = `usage: vlm-train format-demo [--tokenizer llama-2|bytes|tokenizer.json] [--row n] [--image-tokens n]
  Formats a built-in sample dataset with every template, shows the loss mask of one record per template
  and prints token statistics.
  --tokenizer <t>      llama-2 (default), bytes, or a tokenizer.json path
  --row <n>            which sample record to show, from 0 (default 0)
  --image-tokens <n>   positions per image (default: one placeholder)`;

/**
 * `vlm-train format-demo`: formats the built-in sample dataset with every template, shows the loss mask
 * of one record per template and prints token statistics.
 */
export const demoCommand: Command = defineCommand(
  {
    summary: 'format a built-in sample dataset with every template; masks and statistics',
    usage: USAGE,
    options: { tokenizer: { type: 'string' }, row: { type: 'string' }, 'image-tokens': { type: 'string' } },
    io: processIo,
  },
  async ({ values }, io) => {
    const row = intOption(values.row, 'row', { min: 0, max: SAMPLE_DATASET.length - 1 }) ?? 0;
    const imageTokens = intOption(values['image-tokens'], 'image-tokens', { min: 1 });
    const tokenizer = await tokenizerFromOption(values.tokenizer);
    const report = await validateDataset(SAMPLE_DATASET);
    io.out(`sample dataset: ${report.records} records, ${report.validRecords} valid; tokenizer ${tokenizer.name} (${tokenizer.vocabSize} ids)`);
    io.out(io.color ? 'trained tokens on green, untrained grey, images magenta\n' : 'trained tokens inside «...»\n');

    const stats: string[][] = [];
    for (const template of BUILT_IN_TEMPLATE_NAMES) {
      let positions = 0;
      let trained = 0;
      let images = 0;
      SAMPLE_DATASET.forEach((record, i) => {
        const t = tokenizeConversation(formatConversation(record, { template, row: i }), tokenizer, { imageTokens });
        positions += t.inputIds.length;
        trained += t.trainedTokens;
        images += t.imagePositions.length;
        if (i === row) {
          io.out(`── ${template} · row ${i} (${record.id}) ──`);
          io.out(renderMask(t, { format: io.color ? 'ansi' : 'text', tokenizer }));
          io.out('');
        }
      });
      stats.push([template, String(SAMPLE_DATASET.length), String(positions), String(trained), `${((100 * trained) / positions).toFixed(1)} %`, (positions / SAMPLE_DATASET.length).toFixed(1), String(images)]);
    }
    const header = ['template', 'records', 'positions', 'trained', 'trained share', 'mean length', 'images'];
    const widths = header.map((h, c) => Math.max(h.length, ...stats.map((r) => r[c]!.length)));
    const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
    io.out(line(header));
    io.out(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const r of stats) io.out(line(r));
    return 0;
  },
);
