import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { answerRecordSchema, evalQuestionSchema, type EvalQuestion } from '../data/eval-question';
import { readJsonl } from '../io/jsonl';
import type { AnswerFn } from './answer-fn';
import { generateAnswers } from './generate-answers';

describe('generateAnswers', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vlm-eval-answers-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const questions: EvalQuestion[] = ['a', 'b', 'c', 'd'].map((id) => evalQuestionSchema.parse({ id, question: `question ${id}` }));

  it('resumes after a crash: skips answered ids, drops a torn last line, never asks twice', async () => {
    const out = join(dir, 'answers.jsonl');
    const asked: string[] = [];
    const answerFn: AnswerFn = async ({ id }) => {
      asked.push(id);
      if (id === 'c' && asked.filter((x) => x === 'c').length === 1) throw new Error('connection reset');
      return `answer ${id}`;
    };
    await expect(generateAnswers(questions, answerFn, { model: 'm', outFile: out, concurrency: 1 })).rejects.toThrow('connection reset');
    expect(readJsonl(out, answerRecordSchema).length).toBe(2); // a, b written before the failure
    appendFileSync(out, '{"id":"d","answ'); // a killed process left half a line
    const records = await generateAnswers(questions, answerFn, { model: 'm', outFile: out, concurrency: 1 });
    expect(records.map((r) => r.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(asked).toEqual(['a', 'b', 'c', 'c', 'd']);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(lines[0]).toEqual({ id: 'a', question: 'question a', answer: 'answer a', model: 'm', source: 'model' });
  });

  it('rejects duplicate ids and names a missing image', async () => {
    const dup = [...questions, questions[0]!];
    await expect(generateAnswers(dup, async () => 'x', { model: 'm' })).rejects.toMatchObject({ code: 'eval_duplicate_id', location: { row: 4, id: 'a' } });
    const withImage = [evalQuestionSchema.parse({ id: 'img', question: 'q', image: 'nope.png' })];
    await expect(generateAnswers(withImage, async () => 'x', { model: 'm', imageRoot: dir })).rejects.toMatchObject({ code: 'eval_image_missing', location: { id: 'img', field: 'image' } });
  });

  it('keeps every image inside the image root: absolute and ../ paths fail before the first call', async () => {
    writeFileSync(join(dir, 'outside.png'), 'not read');
    const root = join(dir, 'images');
    const asked: string[] = [];
    for (const image of [join(dir, 'outside.png'), '../outside.png', 'a/../../outside.png', 'file:///etc/passwd']) {
      const qs = [evalQuestionSchema.parse({ id: 'ok', question: 'q' }), evalQuestionSchema.parse({ id: 'esc', question: 'q', image })];
      await expect(generateAnswers(qs, async ({ id }) => (asked.push(id), 'x'), { model: 'm', imageRoot: root })).rejects.toMatchObject({
        code: 'eval_image_outside_root',
        location: { row: 1, id: 'esc', field: 'image' },
      });
    }
    expect(asked).toEqual([]);
  });

  it('accepts LLaVA-Bench field names and reports bad lines with file and row', () => {
    const file = join(dir, 'q.jsonl');
    writeFileSync(file, '{"question_id": 7, "text": "Describe.", "category": "detail"}\n\n{"id": "x"}\n');
    expect(() => readJsonl(file, evalQuestionSchema)).toThrow(expect.objectContaining({ code: 'jsonl_bad_record', location: expect.objectContaining({ row: 2, id: 'x', field: 'question' }) }));
    writeFileSync(file, '{"question_id": 7, "text": "Describe.", "category": "detail"}\n');
    expect(readJsonl(file, evalQuestionSchema)[0]).toMatchObject({ id: '7', question: 'Describe.', category: 'detail' });
    writeFileSync(file, '{"id":"a","question":"q"}\n{"id":"b","quest');
    expect(() => readJsonl(file, evalQuestionSchema)).toThrow(expect.objectContaining({ code: 'jsonl_bad_json', location: { file, row: 1 } }));
    expect(readJsonl(file, evalQuestionSchema, { tolerateTruncatedTail: true })).toHaveLength(1);
  });
});
