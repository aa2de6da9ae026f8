// `vlm-datagen expand <pairs>`: naive expansion of (image, caption) pairs into one-turn LLaVA records.

import { VlmError } from '@vlm/core';
import { defineCommand } from '@vlm/core/node';
import { expandCaptions, readCaptionPairs, writeJsonAtomic } from '@vlm/datagen';
import type { ImagePlacement } from '@vlm/prompts';

import { numberFlag } from './teacher-flags';

const usage = [
  'usage: vlm-datagen expand <pairs.json|.jsonl|.csv|.tsv> --out <file.json> [options]',
  '  --form llava|llava-med      brief-description questions (LLaVA stage 1) or concept alignment (LLaVA-Med)',
  '  --placement random|before|after   where <image> goes in the question (default random, by seed)',
  '  --seed <n>                  seed of question and placement draws (default 0)',
  '  --image-field/--caption-field/--id-field <name>   column or field names of the input',
].join('\n');

export const expandCommand = defineCommand(
  {
    summary: 'expand (image, caption) pairs into one-turn LLaVA records',
    usage,
    options: {
      out: { type: 'string', short: 'o' },
      form: { type: 'string' },
      placement: { type: 'string' },
      seed: { type: 'string' },
      'image-field': { type: 'string' },
      'caption-field': { type: 'string' },
      'id-field': { type: 'string' },
    },
    positionals: { min: 1, name: 'the pairs file (.json, .jsonl, .csv or .tsv)' },
  },
  async ({ values, positionals }) => {
    const input = positionals[0]!;
    if (!values.out) throw new VlmError('missing_option', 'expand needs --out <file.json>.', { location: { field: 'out' }, hint: usage });
    const form = values.form ?? 'llava';
    if (form !== 'llava' && form !== 'llava-med') throw new VlmError('bad_option', `--form must be llava or llava-med, got ${JSON.stringify(form)}.`, { location: { field: 'form' } });
    const placement = (values.placement ?? 'random') as ImagePlacement;
    if (!['random', 'before', 'after'].includes(placement)) throw new VlmError('bad_option', `--placement must be random, before or after.`, { location: { field: 'placement' } });
    const pairs = readCaptionPairs(input, { image: values['image-field'], caption: values['caption-field'], id: values['id-field'] });
    const records = expandCaptions(pairs, { seed: numberFlag(values, 'seed', { integer: true }), form, placement });
    writeJsonAtomic(values.out, records);
    const before = records.filter((r) => r.conversations[0]?.value.startsWith('<image>')).length;
    console.log(`expanded ${pairs.length} pairs -> ${records.length} records (${before} image-first, ${records.length - before} image-last) -> ${values.out}`);
    return 0;
  },
);
