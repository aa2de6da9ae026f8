import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { VlmError } from '@vlm/core';
import { answerRecordSchema, formatScienceQaPrompt, parseScienceQaProblems, readJsonl, scoreScienceQa } from '@vlm/eval';
import { readJsonFile, required } from './args';
import { choiceOption, defineCommand, defineCommandGroup } from '@vlm/core/node';

const PROMPTS_USAGE = `usage: vlm-eval scienceqa prompts --problems problems.json [--split-file pid_splits.json --split test] --out questions.jsonl
  Writes one eval question per problem ("{question}\\nContext: ...\\nOptions: (A) ...\\nAnswer with the
  option's letter from the given choices directly."), image as "{id}/{image}" (relative to ScienceQA's
  images/{split} folder).`;

const SCORE_USAGE = `usage: vlm-eval scienceqa score --problems problems.json --answers answers.jsonl [--split-file pid_splits.json --split test] --out scienceqa.json
                               [--missing-rule toolkit|upstream] [--parsing toolkit|upstream]
  Parses each answer (letter; "X. "; "The answer is X"; else FAILED) and reports accuracy overall and on
  image questions; FAILED, out-of-range and missing count as wrong. A missing image question counts in
  the image subset too (toolkit, default); --missing-rule upstream leaves it out of that subset, as LLaVA's
  eval_science_qa.py does. --parsing upstream applies its exact pattern (\`The answer is ([A-Z]).\`, the dot
  any character, no trimming); both upstream options together reproduce LLaVA's figures.`;

function splitIds(values: { 'split-file'?: string; split?: string }, problems: Map<string, unknown>): string[] {
  if (!values['split-file']) return [...problems.keys()];
  const split = values.split ?? 'test';
  const splits = readJsonFile(values['split-file']) as Record<string, unknown>;
  const ids = splits?.[split];
  if (!Array.isArray(ids)) {
    throw new VlmError('scienceqa_no_split', `Split ${JSON.stringify(split)} is not in the split file.`, {
      location: { file: values['split-file'], field: split },
      hint: `Available: ${Object.keys(splits ?? {}).join(', ')}.`,
    });
  }
  return ids.map(String);
}

const flags = { problems: { type: 'string' }, 'split-file': { type: 'string' }, split: { type: 'string' }, out: { type: 'string' } } as const;

/** The problems of the split (all when no split file), checked against problems.json. */
function problemsOf(values: { problems?: string; 'split-file'?: string; split?: string }, command: string, usage: string) {
  const problemsFile = required(command, values.problems, 'problems', usage);
  const problems = parseScienceQaProblems(readJsonFile(problemsFile), problemsFile);
  const ids = splitIds(values, problems);
  for (const id of ids) {
    if (!problems.has(id)) throw new VlmError('scienceqa_unknown_id', 'The split names a problem that is not in problems.json.', { location: { file: values['split-file'], id } });
  }
  return { problems, ids };
}

const promptsCommand = defineCommand(
  { summary: 'one eval question per problem of the split', usage: PROMPTS_USAGE, options: flags },
  async ({ values }) => {
    const out = required('scienceqa prompts', values.out, 'out', PROMPTS_USAGE);
    const { problems, ids } = problemsOf(values, 'scienceqa prompts', PROMPTS_USAGE);
    mkdirSync(dirname(out), { recursive: true });
    const lines = ids.map((id) => {
      const p = problems.get(id)!;
      return JSON.stringify({ id, question: formatScienceQaPrompt(p), ...(p.image ? { image: `${id}/${p.image}` } : {}), category: p.subject ?? 'scienceqa' });
    });
    writeFileSync(out, lines.length ? `${lines.join('\n')}\n` : '');
    console.log(JSON.stringify({ out, questions: lines.length }));
    return 0;
  },
);

const scoreCommand = defineCommand(
  { summary: 'accuracy overall and on image questions', usage: SCORE_USAGE, options: { ...flags, answers: { type: 'string' }, 'missing-rule': { type: 'string' }, parsing: { type: 'string' } } },
  async ({ values }) => {
    const out = required('scienceqa score', values.out, 'out', SCORE_USAGE);
    const missingRule = choiceOption(values['missing-rule'], 'missing-rule', ['toolkit', 'upstream']);
    const parsing = choiceOption(values.parsing, 'parsing', ['toolkit', 'upstream']);
    const answersFile = required('scienceqa score', values.answers, 'answers', SCORE_USAGE);
    const { problems, ids } = problemsOf(values, 'scienceqa score', SCORE_USAGE);
    mkdirSync(dirname(out), { recursive: true });
    const predictions = new Map(readJsonl(answersFile, answerRecordSchema).map((a) => [a.id, a.answer]));
    const metrics = scoreScienceQa(problems, predictions, { ids, ...(missingRule ? { missingRule } : {}), ...(parsing ? { parsing } : {}) });
    writeFileSync(out, `${JSON.stringify({ scienceqa: metrics }, null, 2)}\n`);
    const { items: _items, ...summary } = metrics;
    console.log(JSON.stringify({ out, ...summary }));
    return 0;
  },
);

/** `vlm-eval scienceqa prompts|score`. */
export const scienceqaCommand = defineCommandGroup({
  name: 'vlm-eval scienceqa',
  summary: 'ScienceQA: write the prompts, score the answers',
  commands: { prompts: promptsCommand, score: scoreCommand },
});
