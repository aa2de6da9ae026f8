// `vlm-datagen mix`: combine LLaVA datasets with weights or caps into one shuffled, de-duplicated mixture
// with a statistics report (records, turns, tokens per source) as JSON and Markdown.
import { VlmError } from '@vlm/core';
import { defineCommand, cliUsageError } from '@vlm/core/node';
import { createTokenCounter, formatIssue, mixDatasets, type MixSource } from '@vlm/datagen';

const USAGE = `usage: vlm-datagen mix --source <name>=<file> [--source ...] --out <file.json|file.jsonl> [options]

  --source <name>=<file>   a LLaVA JSON or JSONL dataset (repeat for each source)
  --weight <name>=<w>      with --total: share of the total; without: multiplier of the source's size (2 repeats)
  --cap <name>=<n>         at most n records from the source
  --total <n>              size of the mixture
  --seed <n>               seed for sampling and shuffling (default 0)
  --no-dedupe              keep records that repeat an (image, questions) pair
  --dedupe-text            also drop near-duplicates dataset-wide: records whose normalised conversation
                           text (case, punctuation, spacing and <image> ignored) repeats, whatever the image
  --no-shuffle             keep the sources in order
  --tokenizer <t>          llama-2 (default), bytes, a tokenizer.json path, or none to skip token counts
  --template <name>        conversation template for token counts (default vicuna_v1)
  --image-tokens <n>       positions per image in token counts (e.g. 576); default 1 placeholder
  --stats <prefix>         statistics files <prefix>.json and <prefix>.md (default <out>.stats)`;

function pairs(list: string[] | undefined, flag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of list ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0 || eq === item.length - 1) {
      throw new VlmError('bad_option', `--${flag} needs <name>=<value>, got "${item}".`, { location: { field: flag }, hint: `For example --${flag} vqav2=${flag === 'source' ? 'data/vqav2.json' : '0.5'}.` });
    }
    out.set(item.slice(0, eq), item.slice(eq + 1));
  }
  return out;
}

function numberOption(value: string | undefined, flag: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new VlmError('bad_option', `--${flag} needs a non-negative ${integer ? 'integer' : 'number'}, got "${value}".`, { location: { field: flag } });
  }
  return n;
}

export const mixCommand = defineCommand(
  {
    summary: 'mix LLaVA datasets with weights or caps, de-duplicated, with statistics',
    usage: USAGE,
    options: {
      source: { type: 'string', multiple: true },
      weight: { type: 'string', multiple: true },
      cap: { type: 'string', multiple: true },
      out: { type: 'string', short: 'o' },
      total: { type: 'string' },
      seed: { type: 'string' },
      'no-dedupe': { type: 'boolean' },
      'dedupe-text': { type: 'boolean' },
      'no-shuffle': { type: 'boolean' },
      tokenizer: { type: 'string' },
      template: { type: 'string' },
      'image-tokens': { type: 'string' },
      stats: { type: 'string' },
    },
  },
  async ({ values }) => {
    if (!values.source?.length) throw cliUsageError('mix needs at least one --source <name>=<file>.', { field: '--source' });
    if (!values.out) throw new VlmError('missing_option', 'mix needs --out <file>.', { hint: 'For example --out data/mix.json.' });
    const files = pairs(values.source, 'source');
    const weights = pairs(values.weight, 'weight');
    const caps = pairs(values.cap, 'cap');
    for (const name of [...weights.keys(), ...caps.keys()]) {
      if (!files.has(name)) throw new VlmError('unknown_source', `--weight/--cap name "${name}" is not one of the --source names.`, { hint: `Sources: ${[...files.keys()].join(', ')}.` });
    }
    const sources: MixSource[] = [...files].map(([name, file]) => ({
      name,
      file,
      weight: numberOption(weights.get(name), 'weight', false),
      cap: numberOption(caps.get(name), 'cap', true),
    }));
    const tokenizer = values.tokenizer ?? 'llama-2';
    const tokens =
      tokenizer === 'none'
        ? undefined
        : await createTokenCounter({ tokenizer, template: values.template, imageTokens: numberOption(values['image-tokens'], 'image-tokens', true) });
    const seed = values.seed === undefined ? 0 : /^-?\d+$/.test(values.seed) ? Number(values.seed) : values.seed;
    let shown = 0;
    const result = await mixDatasets(sources, {
      output: values.out,
      seed,
      total: numberOption(values.total, 'total', true),
      dedupe: !values['no-dedupe'],
      dedupeText: values['dedupe-text'] === true,
      shuffle: !values['no-shuffle'],
      tokens,
      statsPrefix: values.stats,
      onIssue: (issue) => {
        if (shown++ < 20) console.error(`skipped ${formatIssue(issue)}`);
      },
    });
    const s = result.stats;
    for (const src of s.sources) {
      console.log(`${src.name}: ${src.records} records from ${src.available} available (${(src.share * 100).toFixed(1)}%), ${src.duplicates} duplicates, ${src.nearDuplicates !== undefined ? `${src.nearDuplicates} near-duplicates, ` : ''}${src.invalid} invalid${src.tokens !== undefined ? `, ${src.tokens} tokens` : ''}`);
    }
    if (s.nearDuplicates !== undefined) console.log(`near-duplicates removed: ${s.nearDuplicates} (normalised text, all sources)`);
    console.log(`${s.records} records, ${s.turns} turns${s.tokens !== undefined ? `, ${s.tokens} tokens (${s.tokenizer})` : ''} -> ${values.out}`);
    console.log(`statistics: ${result.statsFiles.json}, ${result.statsFiles.markdown}`);
    return 0;
  },
);
