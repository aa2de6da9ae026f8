// The converters README shows one record per source; this keeps that block equal to what the converters
// write from the fixtures (each in its dataset's published layout), so the documentation cannot drift.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { converters } from './converters';
import { convertFixture } from './sources/__fixtures__/convert-fixture';

const inputs: Record<string, Record<string, string>> = {
  vqav2: { questions: 'v2_OpenEnded_mscoco_train2014_questions.json', annotations: 'v2_mscoco_train2014_annotations.json' },
  okvqa: { questions: 'OpenEnded_mscoco_val2014_questions.json', annotations: 'mscoco_val2014_annotations.json' },
  gqa: { questions: 'train_balanced_questions.json' },
  aokvqa: { annotations: 'aokvqa_v1p0_val.json' },
  ocrvqa: { dataset: 'dataset.json' },
  textvqa: { questions: 'TextVQA_0.5.1_train.json' },
  textcaps: { captions: 'TextCaps_0.1_train.json' },
  scienceqa: { problems: 'problems.json', splits: 'pid_splits.json' },
  refcoco: { instances: 'instances.json', refs: 'refs(unc).p' },
  vg: { regions: 'region_descriptions.json', images: 'image_data.json' },
  pathvqa: { questions: 'train_qa.pkl' },
  vqarad: { questions: 'VQA_RAD Dataset Public.json' },
  slake: { questions: 'slake_train.json' },
  pmcvqa: { questions: 'pmc_vqa_train.csv' },
  sharegpt: { conversations: 'sharegpt.json' },
};

describe('converters README', () => {
  it('shows, for every source, the first record its converter writes from the fixtures with default options', async () => {
    const readme = await readFile(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const block = /<!-- converter-records:start -->\n```jsonl\n([\s\S]*?)```\n<!-- converter-records:end -->/.exec(readme);
    expect(block, 'the README has the converter-records block').not.toBeNull();
    const shown = block![1]!.trim().split('\n');
    // every registered source is shown, except the RefCOCO variants that share refcoco's converter
    expect(Object.keys(converters).filter((name) => !(name in inputs))).toEqual(['refcoco+', 'refcocog']);
    const written: string[] = [];
    for (const [source, files] of Object.entries(inputs)) {
      const { records } = await convertFixture(source, files);
      written.push(JSON.stringify(records[0]));
    }
    expect(shown).toEqual(written);
  });
});
