import { type ImageDecodes, type LlavaRecord, VlmError, formatLocation, validateDataset } from '@vlm/core';
import { nodeImageExists, readDatasetFile } from '@vlm/core/node';
import { sharpImageDecodes } from '../image/image-decodes';

/** A validated LLaVA dataset: its records and where its images live. */
export interface LlavaDataset {
  file: string;
  imageRoot?: string;
  records: LlavaRecord[];
}

/** Options of {@link loadLlavaDataset}. */
export interface LoadLlavaDatasetOptions {
  /** Decode check of every image (default: a full sharp decode); pass an `ImageStore`'s `decodes` to keep the pixels. */
  imageDecodes?: ImageDecodes;
}

/**
 * Reads a LLaVA JSON/JSONL file and validates it with @vlm/core (schema, roles, `<image>` counts,
 * image files under `imageRoot` that exist and decode). Any bad row stops here, before a step is
 * spent, with every issue counted and the first ones listed.
 */
export async function loadLlavaDataset(file: string, imageRoot?: string, options: LoadLlavaDatasetOptions = {}): Promise<LlavaDataset> {
  const records = await readDatasetFile(file);
  const report = await validateDataset(records, {
    file,
    imageRoot,
    imageExists: imageRoot ? nodeImageExists : undefined,
    imageDecodes: imageRoot ? (options.imageDecodes ?? sharpImageDecodes) : undefined,
  });
  if (report.issues.length > 0) {
    const first = report.issues[0]!;
    const shown = report.issues
      .slice(0, 5)
      .map((i) => `  ${formatLocation({ row: i.row, id: i.id, field: i.field })}: ${i.reason}`)
      .join('\n');
    throw new VlmError('dataset_invalid', `${file} has ${report.issues.length} issue(s) in ${report.records - report.validRecords} of ${report.records} records:\n${shown}`, {
      location: { file, row: first.row, id: first.id, field: first.field },
      hint: `run \`vlm-train validate ${file}${imageRoot ? ` --image-root ${imageRoot}` : ''}\` for the full list and fix or drop those rows`,
    });
  }
  return { file, imageRoot, records: records as LlavaRecord[] };
}
