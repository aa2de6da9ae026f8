import { VlmError, createRng } from '@vlm/core';

import { assembleRecords } from './assemble/assemble-records';
import type { ConvertOptions, ConverterContext } from './convert-options';
import { converters, type SourceName } from './converters';
import { fillImageTemplate, withImagePrefix } from './image-path';
import { LlavaWriter, type LlavaOutputFormat } from './io/llava-writer';
import { IssueLog, type ConversionIssue } from './issues';

/** What a conversion wrote and what it skipped. */
export interface ConversionReport {
  source: string;
  output: string;
  /** Question-answer pairs (or whole conversations) read from the source. */
  pairs: number;
  records: number;
  /** Human turns written. */
  turns: number;
  merged: boolean;
  /** Malformed source rows (all counted; the first 1000 are listed in `issues`). */
  issueCount: number;
  issues: ConversionIssue[];
}

/** The converter registered under `name`, or a `VlmError` listing the known sources. */
export function getConverter(name: string) {
  const converter = (converters as Record<string, (typeof converters)[SourceName] | undefined>)[name];
  if (!converter) {
    throw new VlmError('unknown_source', `Unknown dataset "${name}".`, {
      hint: `Known datasets: ${Object.keys(converters).join(', ')}.`,
    });
  }
  return converter;
}

function badOption(field: string, message: string, hint: string): VlmError {
  return new VlmError('bad_option', message, { location: { field }, hint });
}

/** Checks the options whose values are closed sets or ranges, so a typo stops the run before any file is read. */
export function checkConvertOptions(options: ConvertOptions): void {
  const { direction, boxRatio, boxes, responseFormatTurns } = options;
  if (direction !== undefined && !['both', 'box', 'description', 'mix'].includes(direction)) {
    throw badOption('direction', `direction must be both, box, description or mix, got "${String(direction)}".`, 'mix (the default) asks each expression one way, as LLaVA-1.5.');
  }
  if (boxRatio !== undefined && !(typeof boxRatio === 'number' && boxRatio >= 0 && boxRatio <= 1)) {
    throw badOption('boxRatio', `boxRatio must be a number from 0 to 1, got ${String(boxRatio)}.`, 'For example 0.5: half of the regions asked as expression to box.');
  }
  if (boxes !== undefined && !['square', 'per-axis'].includes(boxes)) {
    throw badOption('boxes', `boxes must be square or per-axis, got "${String(boxes)}".`, 'square follows LLaVA-1.5 (the default).');
  }
  if (responseFormatTurns !== undefined && !['first', 'every'].includes(responseFormatTurns)) {
    throw badOption('responseFormatTurns', `responseFormatTurns must be first or every, got "${String(responseFormatTurns)}".`, 'first follows LLaVA-1.5 (the default).');
  }
}

/**
 * Converts one dataset from its published files into a LLaVA JSON (or JSONL) file, streaming both sides.
 * Malformed source rows are reported through `options.onIssue` and the report, and skipped; the records
 * already written stay a valid file even when an error stops the run.
 */
export async function convertDataset(
  source: string,
  inputs: Record<string, string>,
  output: string,
  options: ConvertOptions & { format?: LlavaOutputFormat } = {},
): Promise<ConversionReport> {
  const converter = getConverter(source);
  checkConvertOptions(options);
  for (const input of converter.inputs) {
    if (!input.optional && !inputs[input.name]) {
      throw new VlmError('missing_input', `${converter.name} needs its ${input.name} file (${input.description}).`, {
        location: { field: input.name },
        hint: `Pass --${input.name} <file>.`,
      });
    }
  }
  const issues = new IssueLog(options.onIssue);
  const rng = createRng(options.seed ?? 0).fork(converter.name);
  const context: ConverterContext = {
    options,
    issues,
    rng,
    imagePath: (template, fields) => withImagePrefix(options.imagePrefix, fillImageTemplate(options.imageTemplate ?? template, fields)),
  };
  const merge = options.merge ?? converter.defaultMerge;
  const writer = await LlavaWriter.open(output, options.format);
  try {
    const counts = await assembleRecords(
      converter.read(inputs, context),
      {
        source: converter.name,
        merge,
        rng,
        maxTurns: options.maxTurns,
        imagePosition: options.imagePosition,
        responseFormatTurns: options.responseFormatTurns,
        limit: options.limit,
      },
      (record) => writer.write(record),
    );
    return { source: converter.name, output, ...counts, merged: merge, issueCount: issues.count, issues: issues.kept };
  } finally {
    await writer.close();
  }
}
