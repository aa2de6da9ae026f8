// Test harness: converts a fixture in its dataset's real layout and reads the result back through the
// LLaVA schema, so every converter test checks that what it wrote is a valid dataset.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLlavaDataset, type LlavaRecord } from '@vlm/core';

import { convertDataset, type ConversionReport } from '../../convert-dataset';
import type { ConvertOptions } from '../../convert-options';

/** Absolute path of a fixture file. */
export const fixture = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

/** Converts fixtures (input name -> fixture file) and returns the validated records and the report. */
export async function convertFixture(
  source: string,
  inputs: Record<string, string>,
  options: ConvertOptions = {},
): Promise<{ records: LlavaRecord[]; report: ConversionReport; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), `vlm-convert-${source}-`));
  const output = join(dir, 'out.json');
  const files = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, fixture(v)]));
  const report = await convertDataset(source, files, output, options);
  const records = parseLlavaDataset(JSON.parse(await readFile(output, 'utf8')), { file: output });
  return { records, report, output };
}
