import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { VlmError } from '@vlm/core';
import { answerRecordSchema, formatScienceQaPrompt, parseScienceQaProblems, readJsonl, scoreScienceQa } from '@vlm/eval';
import { parseFlags, readJsonFile, required } from './args';

const USAGE = `vlm-eval scienceqa prompts --problems problems.json [--split-file pid_splits.json --split test] --out questions.jsonl
vlm-eval scienceqa score --problems problems.json --answers answers.jsonl [--split-file pid_splits.json --split test] --out scienceqa.json
  prompts: writes one eval question per problem ("{question}\\nContext: ...\\nOptions: (A) ...\\nAnswer with the
  option's letter from the given choices directly."), image as "{id}/{image}" (relative to ScienceQA's
  images/{split} folder). score: parses each answer (letter; "X. "; "The answer is X"; else FAILED) and
  reports accuracy overall and on image questions; FAILED, out-of-range and missing count as wrong.`;

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

/** `vlm-eval scienceqa prompts|score`. */
export async function scienceqaCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'prompts' && sub !== 'score') throw new VlmError('cli_usage', 'scienceqa: expected a subcommand, prompts or score.', { hint: USAGE });
  const { values } = parseFlags(`scienceqa ${sub}`, rest, {
    problems: { type: 'string' },
    answers: { type: 'string' },
    'split-file': { type: 'string' },
    split: { type: 'string' },
    out: { type: 'string' },
  }, USAGE);
  const problemsFile = required('scienceqa', values.problems, 'problems', USAGE);
  const out = required('scienceqa', values.out, 'out', USAGE);
  const problems = parseScienceQaProblems(readJsonFile(problemsFile), problemsFile);
  const ids = splitIds(values, problems);
  for (const id of ids) {
    if (!problems.has(id)) throw new VlmError('scienceqa_unknown_id', 'The split names a problem that is not in problems.json.', { location: { file: values['split-file'], id } });
  }
  mkdirSync(dirname(out), { recursive: true });
  if (sub === 'prompts') {
    const lines = ids.map((id) => {
      const p = problems.get(id)!;
      return JSON.stringify({ id, question: formatScienceQaPrompt(p), ...(p.image ? { image: `${id}/${p.image}` } : {}), category: p.subject ?? 'scienceqa' });
    });
    writeFileSync(out, lines.length ? `${lines.join('\n')}\n` : '');
    console.log(JSON.stringify({ out, questions: lines.length }));
    return 0;
  }
  const answersFile = required('scienceqa score', values.answers, 'answers', USAGE);
  const predictions = new Map(readJsonl(answersFile, answerRecordSchema).map((a) => [a.id, a.answer]));
  const metrics = scoreScienceQa(problems, predictions, { ids });
  writeFileSync(out, `${JSON.stringify({ scienceqa: metrics }, null, 2)}\n`);
  const { items: _items, ...summary } = metrics;
  console.log(JSON.stringify({ out, ...summary }));
  return 0;
}
