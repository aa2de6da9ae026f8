import { parseArgs } from 'node:util';
import { validateDataset } from '@vlm/core';
import { nodeImageExists, readDatasetFile } from '@vlm/core/node';
import { sharpImageDecodes } from '@vlm/train/node';
import { processIo, type Command } from './io';

const USAGE = 'usage: vlm-train validate <data.json|data.jsonl> [--image-root dir] [--json] [--max-shown n]';

/**
 * `vlm-train validate data.json --image-root dir`: every bad row (with --image-root also every image
 * that is missing or does not decode), then a summary; exit 1 when any.
 */
export const validateCommand: Command = async (args, io = processIo) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'image-root': { type: 'string' }, json: { type: 'boolean' }, 'max-shown': { type: 'string' } },
  });
  const file = positionals[0];
  if (!file) {
    io.err(USAGE);
    return 2;
  }
  const records = await readDatasetFile(file);
  const root = values['image-root'];
  const report = await validateDataset(records, { file, imageRoot: root, imageExists: root ? nodeImageExists : undefined, imageDecodes: root ? sharpImageDecodes : undefined });
  if (values.json) {
    io.out(JSON.stringify(report, null, 2));
    return report.issues.length === 0 ? 0 : 1;
  }
  const maxShown = Number(values['max-shown'] ?? 200);
  for (const issue of report.issues.slice(0, maxShown)) {
    io.out(`row ${issue.row}${issue.id !== undefined ? ` (id ${JSON.stringify(issue.id)})` : ''} ${issue.field}: ${issue.reason}`);
  }
  if (report.issues.length > maxShown) io.out(`... and ${report.issues.length - maxShown} more (use --json for all)`);
  const counts = Object.entries(report.counts)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  io.out(`${file}: ${report.records} records, ${report.validRecords} valid, ${report.issues.length} issue(s)${counts ? ` (${counts})` : ''}`);
  if (!values['image-root']) io.out('note: image files were not checked (pass --image-root)');
  return report.issues.length === 0 ? 0 : 1;
};
