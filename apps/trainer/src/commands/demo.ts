import { parseArgs } from 'node:util';
import { BUILT_IN_TEMPLATE_NAMES, formatConversation, renderMask, tokenizeConversation, validateDataset } from '@vlm/core';
import { SAMPLE_DATASET } from '../sample/sample-dataset';
import { processIo, type Command } from './io';
import { tokenizerFromOption } from './tokenizer-option';

/**
 * `vlm-train demo`: until the trainer exists, formats the built-in sample dataset with every template,
 * shows the loss mask of one record per template and prints token statistics.
 */
export const demoCommand: Command = async (args, io = processIo) => {
  const { values } = parseArgs({ args, options: { tokenizer: { type: 'string' }, row: { type: 'string', default: '0' }, 'image-tokens': { type: 'string' } } });
  const tokenizer = await tokenizerFromOption(values.tokenizer);
  const row = Number(values.row);
  const imageTokens = values['image-tokens'] === undefined ? undefined : Number(values['image-tokens']);
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
};
