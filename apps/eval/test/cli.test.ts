import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { llavaBenchJudgeSystemMessage, referenceAnswerSystemMessage } from '@vlm/prompts';
import { messageText, startOpenAIServer, type ChatHandler, type OpenAIServer } from '@vlm/testkit';
import { runCli } from '../src/run-cli';

const MODEL_ANSWERS: Array<[string, string]> = [
  ['How many cats', 'There are two cats.'],
  ['Is the sofa red', 'Yes, it is red.'],
  ['Is there a dog', 'There is not a dog.'],
  ['Which is a mammal', 'B'],
  ['Which word is a noun', 'The answer is A.'],
  ['Which is hot', 'fire'],
];

const handler: ChatHandler = (request) => {
  const system = messageText(request.messages[0]);
  const last = messageText(request.messages[request.messages.length - 1]);
  if (system === referenceAnswerSystemMessage) return `reference: ${last.split('[Question]\n')[1] ?? '?'}`;
  if (system === llavaBenchJudgeSystemMessage) {
    const user = messageText(request.messages[1]);
    if (user.includes('How many cats')) return '8 6\nAssistant 1 is more precise.';
    if (user.includes('Is the sofa red')) return request.messages.length > 2 ? '7, 5\nfine' : 'My scores:\n7 5';
    return '9';
  }
  const hit = MODEL_ANSWERS.find(([q]) => last.includes(q));
  return hit ? hit[1] : { error: { status: 400, message: 'unexpected question' } };
};

const context = { captions: ['Two cats sleep on a red sofa.'], objects: [{ category: 'cat', box: [10, 20, 50, 90] }], boxFormat: 'pixel', imageSize: { width: 100, height: 100 } };

describe('vlm-eval commands end to end', () => {
  let server: OpenAIServer;
  let dir: string;
  let out: string[] = [];
  let err: string[] = [];
  const run = async (...argv: string[]) => {
    out = [];
    err = [];
    return runCli(argv);
  };

  beforeAll(async () => {
    process.env.OPENAI_API_KEY = 'test-key';
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    server = await startOpenAIServer({ handler, apiKey: 'test-key' });
    dir = mkdtempSync(join(tmpdir(), 'vlm-eval-cli-'));
    const png = sharp({ create: { width: 8, height: 8, channels: 3, background: '#884422' } }).png();
    await png.clone().toFile(join(dir, 'cats.png'));
    const questions = [
      { id: 'q1', image: 'cats.png', category: 'conv', question: 'How many cats are there?', context, answer: 'two cats' },
      { id: 'q2', image: 'cats.png', category: 'detail', question: 'Is the sofa red?', context, answer: 'yes' },
      { id: 'q3', image: 'cats.png', category: 'complex', question: 'Is there a dog?', context, answer: 'no' },
    ];
    writeFileSync(join(dir, 'questions.jsonl'), questions.map((q) => JSON.stringify(q)).join('\n') + '\n');
    writeFileSync(join(dir, 'problems.json'), JSON.stringify({
      '1': { question: 'Which is a mammal?', choices: ['shark', 'whale'], answer: 1, hint: '', image: 'image.png', split: 'test', subject: 'natural science' },
      '2': { question: 'Which word is a noun?', choices: ['run', 'table'], answer: 1, hint: 'Read.', image: null, split: 'test', subject: 'language science' },
      '3': { question: 'Which is hot?', choices: ['ice', 'fire'], answer: 1, hint: '', image: 'image.png', split: 'test', subject: 'natural science' },
      '4': { question: 'Train only?', choices: ['a', 'b'], answer: 0, image: null, split: 'train' },
    }));
    writeFileSync(join(dir, 'pid_splits.json'), JSON.stringify({ train: ['4'], test: ['1', '2', '3'] }));
    for (const id of ['1', '3']) {
      mkdirSync(join(dir, 'sqa', id), { recursive: true });
      await png.clone().toFile(join(dir, 'sqa', id, 'image.png'));
    }
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answer, judge, vqa, scienceqa and report write what they promise', async () => {
    const f = (name: string) => join(dir, name);
    const base = ['--base-url', server.baseURL];
    expect(await run('answer', '--questions', f('questions.jsonl'), '--out', f('answers.jsonl'), '--model', 'tiny-llava', '--images', dir, ...base)).toBe(0);
    expect(JSON.parse(out.at(-1)!)).toEqual({ out: f('answers.jsonl'), answers: 3, model: 'tiny-llava' });
    expect(await run('answer', '--reference', '--questions', f('questions.jsonl'), '--out', f('reference.jsonl'), '--model', 'gpt-4-0613', ...base)).toBe(0);
    expect(readFileSync(f('reference.jsonl'), 'utf8')).toContain('"answer":"reference: Is the sofa red?"');
    expect(await run('answer', '--reference', '--no-cache', '--questions', f('questions.jsonl'), '--out', f('reference-direct.jsonl'), '--model', 'gpt-4-0613', ...base)).toBe(0);
    expect(JSON.parse(readFileSync(f('reference-direct.jsonl'), 'utf8').split('\n')[0]!)).toMatchObject({ model: 'gpt-4-0613', source: 'reference' });

    expect(await run('judge', '--questions', f('questions.jsonl'), '--reference', f('reference.jsonl'), '--answers', f('answers.jsonl'),
      '--out', f('reviews.jsonl'), '--summary', f('judge-summary.json'), '--model', 'gpt-4-0613', '--swap', ...base)).toBe(0);
    const summary = JSON.parse(readFileSync(f('judge-summary.json'), 'utf8'));
    expect(summary.prompt).toMatchObject({ id: 'llava-bench/judge', temperature: 0.2 });
    expect(summary.passes[0]).toMatchObject({ order: 'reference-first', total: 3, ok: 2, failed: 1, retried: 1 });
    expect(summary.failures).toHaveLength(2); // q3 in both orders
    expect(readFileSync(f('reviews.jsonl'), 'utf8').trim().split('\n')).toHaveLength(6);
    const judgeRequest = server.chatRequests().find((r) => messageText(r.messages[0]) === llavaBenchJudgeSystemMessage)!;
    expect(judgeRequest.temperature).toBe(0.2);
    expect(messageText(judgeRequest.messages[1])).toContain('cat: [0.1, 0.2, 0.5, 0.9]');

    expect(await run('vqa', '--questions', f('questions.jsonl'), '--answers', f('answers.jsonl'), '--out', f('vqa.json'))).toBe(0);
    const vqa = JSON.parse(readFileSync(f('vqa.json'), 'utf8')).vqa;
    expect(vqa.open).toEqual({ n: 1, recall: 100, precision: 50, f1: 66.67 });
    expect(vqa.closed).toEqual({ n: 2, correct: 1, accuracy: 50, ambiguous: 0, noVerdict: 1 });

    const split = ['--problems', f('problems.json'), '--split-file', f('pid_splits.json'), '--split', 'test'];
    expect(await run('scienceqa', 'prompts', ...split, '--out', f('sqa-questions.jsonl'))).toBe(0);
    const sqaQuestions = readFileSync(f('sqa-questions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(sqaQuestions[0]).toEqual({
      id: '1',
      question: "Which is a mammal?\nContext: N/A\nOptions: (A) shark (B) whale\nAnswer with the option's letter from the given choices directly.",
      image: '1/image.png',
      category: 'natural science',
    });
    expect(sqaQuestions).toHaveLength(3);
    expect(await run('answer', '--questions', f('sqa-questions.jsonl'), '--out', f('sqa-answers.jsonl'), '--model', 'tiny-llava', '--images', f('sqa'), ...base)).toBe(0);
    expect(await run('scienceqa', 'score', ...split, '--answers', f('sqa-answers.jsonl'), '--out', f('scienceqa.json'))).toBe(0);
    expect(JSON.parse(out.at(-1)!)).toMatchObject({ overall: { n: 3, correct: 1, accuracy: 33.33 }, image: { n: 2, correct: 1, accuracy: 50 }, failed: 1, outOfRange: 0, missing: 0 });

    expect(await run('report', '--out-dir', f('report'), '--judge', f('reviews.jsonl'), '--vqa', f('vqa.json'), '--scienceqa', f('scienceqa.json'), '--model', 'tiny-llava')).toBe(0);
    const md = readFileSync(f('report/report.md'), 'utf8');
    expect(md).toContain('| category | n | reference mean | model mean | ratio of means (LLaVA, Quilt) | mean of ratios (LLaVA-Med) | failed |');
    expect(md).toContain('| **all** | 2 | 7.5 | 5.5 | 73.3 | 73.2 | 1 |');
    expect(md).toContain('| 3 | 33.33 | 2 | 50 | 1 | 0 | 0 |');
    expect(md).toContain('| language science | 1 | 0 |\n| natural science | 2 | 50 |');
    const report = JSON.parse(readFileSync(f('report/report.json'), 'utf8'));
    expect(report.vqa.items).toBeUndefined();
    expect(report.judge.orderBias.pairs).toBe(2);
    expect((await sharp(f('report/report.png')).metadata()).format).toBe('png');
    expect(md).toContain('Ratio of means rounded exact:');
    expect(md).toContain('--missing-rule upstream reproduces it');

    // The upstream options: LLaVA's rounding of the ratio of means, labelled; ScienceQA's missing rule.
    expect(await run('report', '--out-dir', f('report-upstream'), '--judge', f('reviews.jsonl'), '--rounding', 'upstream')).toBe(0);
    const upstreamMd = readFileSync(f('report-upstream/report.md'), 'utf8');
    expect(upstreamMd).toContain('| category | n | reference mean | model mean | ratio of means (LLaVA, Quilt; upstream rounding) | mean of ratios (LLaVA-Med) | failed |');
    expect(upstreamMd).toContain("Ratio of means rounded upstream: both means rounded to 3 decimals (Python round) before dividing, as LLaVA's summarize_gpt_review.py prints.");
    expect(JSON.parse(readFileSync(f('report-upstream/report.json'), 'utf8')).judge.passes[0].scores.rounding.mode).toBe('upstream');
    const partial = readFileSync(f('sqa-answers.jsonl'), 'utf8').trim().split('\n').filter((l) => JSON.parse(l).id !== '3');
    writeFileSync(f('sqa-partial.jsonl'), `${partial.join('\n')}\n`);
    expect(await run('scienceqa', 'score', ...split, '--answers', f('sqa-partial.jsonl'), '--out', f('sqa-toolkit.json'))).toBe(0);
    expect(JSON.parse(out.at(-1)!)).toMatchObject({ missingRule: 'toolkit', image: { n: 2 }, missing: 1 });
    expect(await run('scienceqa', 'score', ...split, '--answers', f('sqa-partial.jsonl'), '--out', f('sqa-upstream.json'), '--missing-rule', 'upstream', '--parsing', 'upstream')).toBe(0);
    expect(JSON.parse(out.at(-1)!)).toMatchObject({ missingRule: 'upstream', parsing: 'upstream', image: { n: 1 }, overall: { n: 3 }, missing: 1 });
    expect(await run('report', '--out-dir', f('report-sqa'), '--scienceqa', f('sqa-upstream.json'))).toBe(0);
    const sqaMd = readFileSync(f('report-sqa/report.md'), 'utf8');
    expect(sqaMd).toContain("left out of the image subset, as LLaVA's eval_science_qa.py does");
    expect(sqaMd).toContain("Answers parsed with LLaVA's exact pattern (--parsing upstream).");
    expect(await run('report', '--out-dir', f('x'), '--judge', f('reviews.jsonl'), '--rounding', 'python')).toBe(2);
    expect(await run('scienceqa', 'score', ...split, '--answers', f('sqa-partial.jsonl'), '--out', f('y.json'), '--missing-rule', 'skip')).toBe(2);
  });

  it('prints a formatted error and exits non-zero on bad input, keeping what was written', async () => {
    const f = (name: string) => join(dir, name);
    writeFileSync(f('partial.jsonl'), JSON.stringify({ id: 'q1', answer: 'two', model: 'm' }) + '\n');
    expect(await run('vqa', '--questions', f('questions.jsonl'), '--answers', f('partial.jsonl'), '--out', f('x.json'))).toBe(1);
    expect(err.join('\n')).toMatch(/^\[vqa_missing_answers\] 2 question\(s\) have no answer \(q2, q3\)/);
    expect(err.join('\n')).not.toMatch(/\n\s+at /);
    writeFileSync(f('bad.jsonl'), '{"id":"q1","question":"ok"}\n{"id":"q2"}\n');
    expect(await run('answer', '--questions', f('bad.jsonl'), '--out', f('a.jsonl'), '--model', 'm', '--base-url', server.baseURL)).toBe(1);
    expect(err[0]).toMatch(/\[jsonl_bad_record\].*\(file .*bad\.jsonl, row 1, id "q2", field question\)/);
    expect(await run('judge', '--out', f('r.jsonl'))).toBe(2);
    expect(await run('nope')).toBe(2);
  });

  it('runs as a process through its entry point: exit code 1 and a formatted error, no stack', async () => {
    // One spawn only (each costs seconds on a loaded machine); the success paths run in-process above.
    const cli = resolve(__dirname, '../src/cli.ts');
    const args = ['--conditions=@vlm/source', '--import', 'tsx', cli, 'vqa', '--questions', join(dir, 'missing.jsonl'), '--answers', 'x', '--out', 'y'];
    const failed = await promisify(execFile)(process.execPath, args, { cwd: resolve(__dirname, '..') }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^\[file_unreadable\] Cannot read .*missing\.jsonl/);
    expect(failed.stderr).not.toMatch(/\n\s+at /);
  });
});
