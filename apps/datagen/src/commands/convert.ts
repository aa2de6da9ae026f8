// `vlm-datagen convert <dataset>`: a published dataset's own files -> LLaVA JSON, streaming, with the
// malformed source rows listed on stderr and in a JSONL file beside the output.
import { createWriteStream, type WriteStream } from 'node:fs';
import { VlmError } from '@vlm/core';
import { choiceOption, defineCommand, numberOption } from '@vlm/core/node';
import { converters, convertDataset, formatIssue, type ConversionIssue, type ConvertOptions } from '@vlm/datagen';
import { briefDescriptionQuestions } from '@vlm/prompts';

const INPUT_NAMES = [...new Set(Object.values(converters).flatMap((c) => c.inputs.map((i) => i.name)))];
const SHOWN_ISSUES = 20;

function usage(): string {
  const lines = [
    'usage: vlm-datagen convert <dataset> --out <file.json|file.jsonl> --<input> <file> ... [options]',
    '',
    'datasets and their input files:',
  ];
  for (const [name, c] of Object.entries(converters)) {
    lines.push(`  ${name.padEnd(10)} ${c.description}`);
    lines.push(`  ${''.padEnd(10)} ${c.inputs.map((i) => `--${i.name} <${i.description}>`).join(' ')}`);
    if (c.imageTemplate.default) lines.push(`  ${''.padEnd(10)} image path template: ${c.imageTemplate.default}`);
  }
  lines.push(
    '',
    'options:',
    '  --single-turn | --merge      one record per question, or one multi-turn record per image (default per dataset)',
    '  --seed <n>                   seed for turn order, sampling and placement (default 0)',
    '  --max-turns <n>              at most n question-answer rounds per merged record',
    '  --image-prefix <dir>         prefix for every image path (e.g. coco/train2017)',
    '  --image-template <t>         image path template, e.g. "{image_id:012}.jpg"',
    '  --image-position <p>         before (default), after or random',
    '  --no-response-format         do not append the LLaVA-1.5 response-format prompts',
    '  --response-format-turns <t>  vqav2/okvqa/gqa/ocrvqa merged: first (default, as LLaVA-1.5) | every question',
    '  --split <s>                  split for scienceqa, ocrvqa, refcoco*, pathvqa (default train)',
    '  --mode <m>                   aokvqa: mc | direct; scienceqa: explained | letter',
    '  --direction <d>              refcoco*/vg: mix (default: each expression asked one way) | both | box | description',
    '  --box-ratio <r>              refcoco*/vg with mix: share of expressions asked expression -> box (0..1, default 0.5)',
    '  --boxes <b>                  refcoco*/vg: square (default, padded square as LLaVA-1.5) | per-axis',
    '  --max-regions <n>            vg: regions sampled per image',
    '  --captions-per-image <n>     textcaps: captions kept per image (default 1)',
    '  --caption-prompts brief      textcaps: draw the instruction from the brief-description pool',
    '  --language <l>               slake: question language (default en, or all)',
    '  --limit <n>                  stop after n source questions',
    '  --issues <file>              where to list malformed rows (default <out>.issues.jsonl when there are any)',
  );
  return lines.join('\n');
}

function intOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new VlmError('bad_option', `--${name} needs a non-negative integer, got "${value}".`, { location: { field: name }, hint: `For example --${name} 10.` });
  return n;
}

export const convertCommand = defineCommand(
  {
    summary: 'convert a published dataset (VQAv2, GQA, ScienceQA, ...) to LLaVA JSON',
    usage: usage(),
    options: {
      out: { type: 'string', short: 'o' },
      'single-turn': { type: 'boolean' },
      merge: { type: 'boolean' },
      seed: { type: 'string' },
      'max-turns': { type: 'string' },
      'image-prefix': { type: 'string' },
      'image-template': { type: 'string' },
      'image-position': { type: 'string' },
      'no-response-format': { type: 'boolean' },
      'response-format-turns': { type: 'string' },
      split: { type: 'string' },
      mode: { type: 'string' },
      direction: { type: 'string' },
      'box-ratio': { type: 'string' },
      boxes: { type: 'string' },
      'max-regions': { type: 'string' },
      'captions-per-image': { type: 'string' },
      'caption-prompts': { type: 'string' },
      language: { type: 'string' },
      limit: { type: 'string' },
      issues: { type: 'string' },
      ...Object.fromEntries(INPUT_NAMES.map((n) => [n, { type: 'string' as const }])),
    },
    positionals: { min: 1, name: 'the dataset name' },
  },
  async ({ values, positionals }) => {
    const dataset = positionals[0]!;
    const out = values.out as string | undefined;
    if (!out) throw new VlmError('missing_option', 'convert needs --out <file>.', { hint: 'For example --out data/vqav2_llava.json.' });
    const position = values['image-position'] as string | undefined;
    if (position !== undefined && !['before', 'after', 'random'].includes(position)) {
      throw new VlmError('bad_option', `--image-position must be before, after or random, got "${position}".`, { location: { field: 'image-position' } });
    }
    const direction = values.direction as string | undefined;
    if (direction !== undefined && !['both', 'box', 'description', 'mix'].includes(direction)) {
      throw new VlmError('bad_option', `--direction must be both, box, description or mix, got "${direction}".`, { location: { field: 'direction' } });
    }
    const boxes = choiceOption(values.boxes as string | undefined, 'boxes', ['square', 'per-axis']);
    const turns = choiceOption(values['response-format-turns'] as string | undefined, 'response-format-turns', ['first', 'every']);
    const boxRatio = numberOption(values['box-ratio'] as string | undefined, 'box-ratio', { min: 0, max: 1 });
    const captionPrompts = values['caption-prompts'] as string | undefined;
    if (captionPrompts !== undefined && captionPrompts !== 'brief') {
      throw new VlmError('bad_option', `--caption-prompts only knows "brief", got "${captionPrompts}".`, { location: { field: 'caption-prompts' } });
    }

    let shown = 0;
    let issueStream: WriteStream | undefined;
    const issuesFile = (values.issues as string | undefined) ?? `${out.replace(/\.jsonl?$/, '')}.issues.jsonl`;
    const onIssue = (issue: ConversionIssue) => {
      if (shown++ < SHOWN_ISSUES) console.error(`skipped ${formatIssue(issue)}`);
      issueStream ??= createWriteStream(issuesFile);
      issueStream.write(`${JSON.stringify(issue)}\n`);
    };
    const given = values as Record<string, string | boolean | undefined>;
    const inputs = Object.fromEntries(INPUT_NAMES.filter((n) => typeof given[n] === 'string').map((n) => [n, given[n] as string]));
    const options: ConvertOptions = {
      merge: values['single-turn'] ? false : values.merge ? true : undefined,
      seed: values.seed as string | undefined,
      maxTurns: intOption(values['max-turns'] as string | undefined, 'max-turns'),
      imagePrefix: values['image-prefix'] as string | undefined,
      imageTemplate: values['image-template'] as string | undefined,
      imagePosition: position as ConvertOptions['imagePosition'],
      responseFormat: values['no-response-format'] ? false : undefined,
      responseFormatTurns: turns,
      split: values.split as string | undefined,
      mode: values.mode as string | undefined,
      direction: direction as ConvertOptions['direction'],
      boxRatio,
      boxes,
      maxRegionsPerImage: intOption(values['max-regions'] as string | undefined, 'max-regions'),
      captionsPerImage: intOption(values['captions-per-image'] as string | undefined, 'captions-per-image'),
      captionPrompts: captionPrompts === 'brief' ? briefDescriptionQuestions : undefined,
      language: values.language as string | undefined,
      limit: intOption(values.limit as string | undefined, 'limit'),
      onIssue,
    };
    if (options.seed !== undefined && /^-?\d+$/.test(String(options.seed))) options.seed = Number(options.seed);
    try {
      const report = await convertDataset(dataset, inputs, out, options);
      const merged = report.merged ? 'merged per image' : 'single-turn';
      console.log(`${report.source}: ${report.pairs} questions -> ${report.records} records (${report.turns} turns, ${merged}) in ${out}`);
      if (report.issueCount > 0) {
        if (report.issueCount > SHOWN_ISSUES) console.error(`... and ${report.issueCount - SHOWN_ISSUES} more`);
        console.error(`${report.issueCount} malformed source row(s) skipped; all listed in ${issuesFile}`);
      }
      return 0;
    } finally {
      if (issueStream) await new Promise<void>((resolve) => issueStream!.end(resolve));
    }
  },
);
