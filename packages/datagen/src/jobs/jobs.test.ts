import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { detailedDescriptionQuestions } from '@vlm/prompts';
import { describe, expect, it } from 'vitest';

import type { TeacherResponse } from '../teacher/types';
import { createPromptAccepter, llavaInstructTasks } from './llava-instruct';
import { llavaMedTasks, readFigureCaptions } from './llava-med';
import { dedupeQuestions } from './question-dedup';

const answer = (content: string, finishReason = 'stop'): TeacherResponse => ({
  key: 'k',
  model: 'teacher-x',
  content,
  finishReason,
  usage: { promptTokens: 1, completionTokens: 1 },
  costUsd: 0,
  cached: false,
  source: 'api',
});

const image = { id: '42', fileName: 'coco/42.jpg', width: 640, height: 480, captions: ['A man rides a horse.', 'A rider on a brown horse.'], objects: [{ category: 'person', box: [320, 120, 64, 240] as [number, number, number, number] }] };

describe('LLaVA-Instruct job', () => {
  it('builds one task per image and kind from captions and normalised boxes', () => {
    const tasks = [...llavaInstructTasks([image])];
    expect(tasks.map((t) => [t.id, t.promptId])).toEqual([
      ['42-conversation', 'llava/conversation'],
      ['42-detail', 'llava/detailed-description'],
      ['42-complex', 'llava/complex-reasoning'],
    ]);
    const query = tasks[1]!.messages[tasks[1]!.messages.length - 1]!.content as string;
    expect(query).toBe('A man rides a horse.\nA rider on a brown horse.\n\nperson: [0.5, 0.25, 0.6, 0.75]');
    // the conversation prompt sees captions only, as upstream
    expect(tasks[0]!.messages[tasks[0]!.messages.length - 1]!.content).toBe('A man rides a horse.\nA rider on a brown horse.');
    expect(tasks[0]!.params).toMatchObject({ temperature: 0.7 });
  });

  it('turns a description into a record with a detailed-description question, and rejects truncated ones', () => {
    const [, detail] = [...llavaInstructTasks([image])];
    const accept = createPromptAccepter({ seed: 5, placement: 'before' });
    const outcome = accept(detail!, answer('A man in a blue shirt rides a brown horse across a field, holding the reins.'));
    expect(outcome.ok).toBe(true);
    const record = outcome.ok ? outcome.records[0]! : {};
    expect(record).toMatchObject({ id: '42-detail', image: 'coco/42.jpg', prompt_id: 'llava/detailed-description', prompt_version: '1', teacher_model: 'teacher-x', kind: 'detail' });
    const turns = record.conversations as Array<{ from: string; value: string }>;
    expect(turns[0]!.value.startsWith('<image>\n')).toBe(true);
    expect(detailedDescriptionQuestions).toContain(turns[0]!.value.slice('<image>\n'.length));
    expect(accept(detail!, answer('A man rides', 'length'))).toMatchObject({ ok: false, reason: 'truncated' });
    expect(accept(detail!, answer('Question:\nWhat?\n===\nAnswer:\nNo.'))).toMatchObject({ ok: false, reason: 'dialogue_in_description' });
  });

  it('removes repeated questions and keeps the filtered turns as notes', () => {
    expect(dedupeQuestions([{ question: 'What is it?', answer: 'a' }, { question: 'what is it', answer: 'b' }, { question: 'Why?', answer: 'c' }]).kept.map((p) => p.answer)).toEqual(['a', 'c']);
    const [conversation] = [...llavaInstructTasks([image], { kinds: ['conversation'] })];
    const outcome = createPromptAccepter({ seed: 1 })(
      conversation!,
      answer('Question:\nWhat animal is there?\n===\nAnswer:\nA horse.\n===\nQuestion:\nWhat animal is there?\n===\nAnswer:\nA horse again.\n===\nQuestion:\nWhat does the caption say?\n===\nAnswer:\nThe caption says a man.'),
    );
    expect(outcome.ok && (outcome.records[0]!.conversations as unknown[]).length).toBe(2);
    expect(outcome.ok && JSON.stringify(outcome.notes)).toContain('duplicate_question');
  });
});

describe('LLaVA-Med job', () => {
  it('reads figure captions with upstream field names and builds the caption + mentions query', () => {
    const dir = mkdtempSync(join(tmpdir(), 'med-'));
    writeFileSync(
      join(dir, 'f.jsonl'),
      [
        JSON.stringify({ pair_id: 'PMC1_f2', image: 'PMC1_f2.jpg', fig_label: 'Figure 2', fig_caption: 'H&E stain showing granulomas.', in_text_mention: [{ tokens: 'Biopsy (Figure 2) showed granulomas.' }], domain: { histology: true, mri: false } }),
        JSON.stringify({ id: 'x', image: 'x.png', caption: 'Axial CT.' }),
      ].join('\n') + '\n',
    );
    const figures = readFigureCaptions(join(dir, 'f.jsonl'));
    expect(figures[0]).toEqual({ id: 'PMC1_f2', image: 'PMC1_f2.jpg', caption: 'H&E stain showing granulomas.', figureLabel: 'Figure 2', mentions: ['Biopsy (Figure 2) showed granulomas.'], domain: 'histology' });
    const [task] = [...llavaMedTasks(figures)];
    expect(task!.messages[task!.messages.length - 1]!.content).toBe('Figure Caption:\nFigure 2: H&E stain showing granulomas.\n\nFigure Context:\n\t- Biopsy (Figure 2) showed granulomas.');
    expect(task!.params).toMatchObject({ temperature: 0 });
    const [noMentions] = [...llavaMedTasks(figures, { includeMentions: false })];
    expect(noMentions!.messages[noMentions!.messages.length - 1]!.content).toBe('Figure Caption:\nFigure 2: H&E stain showing granulomas.');

    const outcome = createPromptAccepter({ seed: 2 })(task!, answer('User: What type of stain is used?\nAssistant: Hematoxylin and eosin.\nUser: What is seen?\nAssistant: Based on the figure caption, granulomas.\nUser: Anything else?\nAssistant: Sorry, I cannot tell.'));
    expect(outcome.ok).toBe(true);
    const record = outcome.ok ? outcome.records[0]! : {};
    expect(record).toMatchObject({ id: 'PMC1_f2', image: 'PMC1_f2.jpg', source: 'llava-med', prompt_id: 'llava-med/conversation' });
    const values = (record.conversations as Array<{ value: string }>).map((t) => t.value.replace('<image>', '').trim());
    expect(values).toEqual(['What type of stain is used?', 'Hematoxylin and eosin.', 'What is seen?', 'Granulomas.']);
  });

  it('reports every bad line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'med-'));
    writeFileSync(join(dir, 'bad.jsonl'), '{"id":"a","image":"a.png"}\n{oops\n');
    expect(() => readFigureCaptions(join(dir, 'bad.jsonl'))).toThrow(/2 bad line\(s\):[\s\S]*row 0: needs caption[\s\S]*row 1: not valid JSON/);
  });
});
