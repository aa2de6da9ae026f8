import { validateDataset } from '@vlm/core';
import { defineCommand, intOption, nodeImageExists, readDatasetFile } from '@vlm/core/node';
import { sharpImageDecodes } from '@vlm/train/node';
import { processIo, type Command } from './io';

const USAGE = `usage: vlm-train validate <data.json|data.jsonl> [--image-root dir] [--json] [--max-shown n]
  Lists every bad row (index, id, field, reason) and a summary; exit 1 when there is any.
  --image-root <dir>   also check that every image exists under dir (and stays inside it) and decodes
  --json               the whole report as JSON
  --max-shown <n>      rows listed before "... and N more" (default 200)`;

/**
 * `vlm-train validate data.json --image-root dir`: every bad row (with --image-root also every image
 * that is missing or does not decode), then a summary; exit 1 when any.
 */
export const validateCommand: Command = defineCommand(
  {
    summary: 'list every bad row of a dataset before training',
    usage: USAGE,
    options: { 'image-root': { type: 'string' }, json: { type: 'boolean' }, 'max-shown': { type: 'string' } },
    positionals: { min: 1, name: 'the dataset file (data.json or data.jsonl)' },
    io: processIo,
  },
  async ({ values, positionals }, io) => {
    const file = positionals[0]!;
    const maxShown = intOption(values['max-shown'], 'max-shown', { min: 0 }) ?? 200;
    const records = await readDatasetFile(file);
    const root = values['image-root'];
    const report = await validateDataset(records, { file, imageRoot: root, imageExists: root ? nodeImageExists : undefined, imageDecodes: root ? sharpImageDecodes : undefined });
    if (values.json) {
      io.out(JSON.stringify(report, null, 2));
      return report.issues.length === 0 ? 0 : 1;
    }
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
  },
);
