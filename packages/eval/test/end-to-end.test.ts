import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTeacher } from '@vlm/datagen';
import { llavaBenchJudgeSystemMessage, referenceAnswerSystemMessage } from '@vlm/prompts';
import { startOpenAIServer, messageText, type ChatHandler, type OpenAIServer } from '@vlm/testkit';
import {
  barChartSvg,
  buildEvalReport,
  buildJudgeInputs,
  evalQuestionSchema,
  generateAnswers,
  generateReferenceAnswers,
  judgeRecordSchema,
  llavaBenchJudgeMessages,
  llavaBenchReferenceMessages,
  openAIAnswerFn,
  readJsonl,
  reportChartSpec,
  reportMarkdown,
  runJudge,
  summarizeJudge,
  svgToPng,
  teacherChat,
} from '../src/index';

// The model under test sees the image; the reference teacher and the judge see text only. The judge's
// replies are scripted per question: well-formed, prose first then fixed on retry, and never parseable.
const handler: ChatHandler = (request, context) => {
  const system = messageText(request.messages[0]);
  const last = request.messages[request.messages.length - 1];
  if (Array.isArray(last?.content) && last.content.some((p) => p.type === 'image_url')) {
    const url = (last.content.find((p) => p.type === 'image_url') as { image_url: { url: string } }).image_url.url;
    const png = Buffer.from(url.replace(/^data:image\/png;base64,/, ''), 'base64');
    const isPng = png.subarray(1, 4).toString('latin1') === 'PNG';
    return `model answer (${isPng ? 'png' : 'not png'} ${png.length} bytes) to: ${messageText(last).slice(0, 40)}`;
  }
  if (system === referenceAnswerSystemMessage) return `reference answer to: ${context.lastUserText.split('[Question]\n')[1] ?? '?'}`;
  if (system === llavaBenchJudgeSystemMessage) {
    const user = messageText(request.messages[1]);
    const retried = request.messages.length > 2;
    if (user.includes('How many cats')) return '8 6\nAssistant 1 is more precise.';
    if (user.includes('What colour')) return retried ? '7, 5\nAssistant 1 names the colour.' : 'Here is my evaluation:\n7 5';
    return '9\nOnly one score.';
  }
  return { error: { status: 400, message: `unexpected request: ${system.slice(0, 40)}` } };
};

describe('answers -> reference -> judge -> report against a local OpenAI-compatible server', () => {
  let server: OpenAIServer;
  let dir: string;

  beforeAll(async () => {
    server = await startOpenAIServer({ handler });
    dir = mkdtempSync(join(tmpdir(), 'vlm-eval-e2e-'));
    await sharp({ create: { width: 24, height: 16, channels: 3, background: { r: 200, g: 30, b: 90 } } }).png().toFile(join(dir, 'cats.png'));
    const context = { captions: ['Two cats sleep on a red sofa.'], objects: [{ category: 'cat', box: [0.1, 0.2, 0.5, 0.9] }] };
    const questions = [
      { id: 'q1', image: 'cats.png', category: 'conv', question: 'How many cats are there?', context },
      { id: 'q2', image: 'cats.png', category: 'detail', question: 'What colour is the sofa?', context },
      { id: 'q3', image: 'cats.png', category: 'complex', question: 'Why are they sleeping?', context },
    ];
    writeFileSync(join(dir, 'questions.jsonl'), questions.map((q) => JSON.stringify(q)).join('\n') + '\n');
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the whole path, resumes without new calls and reports failures honestly', async () => {
    const questions = readJsonl(join(dir, 'questions.jsonl'), evalQuestionSchema);
    const answerFn = openAIAnswerFn({ baseURL: server.baseURL, apiKey: 'test', model: 'tiny-llava', maxRetries: 0 });
    const answersFile = join(dir, 'answers.jsonl');
    const answers = await generateAnswers(questions, answerFn, { model: 'tiny-llava', imageRoot: dir, outFile: answersFile });
    expect(answers.map((a) => a.id).sort()).toEqual(['q1', 'q2', 'q3']);
    expect(answers.find((a) => a.id === 'q1')?.answer).toMatch(/^model answer \(png \d+ bytes\) to: How many cats/);

    const teacher = createTeacher({ model: 'gpt-4-judge', baseURL: server.baseURL, apiKey: 'test', cacheDir: join(dir, 'cache'), maxRetries: 0 });
    const chat = teacherChat(teacher);
    const refFile = join(dir, 'reference.jsonl');
    const references = await generateReferenceAnswers(questions, { chat, model: 'gpt-4-judge', buildMessages: llavaBenchReferenceMessages, outFile: refFile });
    expect(references.find((r) => r.id === 'q2')).toMatchObject({ answer: 'reference answer to: What colour is the sofa?', source: 'reference', model: 'gpt-4-judge' });
    const refRequest = server.chatRequests().find((r) => messageText(r.messages[0]) === referenceAnswerSystemMessage)!;
    // text only, with the rendered symbolic image
    expect(JSON.stringify(refRequest)).not.toContain('image_url');
    expect(messageText(refRequest.messages[refRequest.messages.length - 1])).toContain('Two cats sleep on a red sofa.\n\ncat: [0.1, 0.2, 0.5, 0.9]');

    const reviewsFile = join(dir, 'reviews.jsonl');
    const inputs = buildJudgeInputs(questions, references, answers);
    const records = await runJudge(inputs, { chat, buildMessages: llavaBenchJudgeMessages, model: 'gpt-4-judge', outFile: reviewsFile, swap: true });
    expect(records).toHaveLength(6);
    const stored = readJsonl(reviewsFile, judgeRecordSchema);
    const q2 = stored.find((r) => r.id === 'q2' && r.order === 'reference-first')!;
    expect(q2).toMatchObject({ status: 'ok', scores: { reference: 7, model: 5 } });
    expect(q2.attempts.map((a) => a.raw)).toEqual(['Here is my evaluation:\n7 5', '7, 5\nAssistant 1 names the colour.']);
    const q3 = stored.find((r) => r.id === 'q3' && r.order === 'reference-first')!;
    expect(q3.status).toBe('failed');
    expect(q3.scores).toBeUndefined();
    expect(q3.attempts).toHaveLength(3);
    // The judge request follows the LLaVA-Bench layout with the reference as Assistant 1.
    const judgeUser = messageText(server.chatRequests().find((r) => messageText(r.messages[1]).includes('How many cats'))!.messages[1]);
    expect(judgeUser).toMatch(/^\[Context\]\nTwo cats sleep on a red sofa\.\n\ncat: \[0\.1, 0\.2, 0\.5, 0\.9\]\n\n\[Question\]\nHow many cats are there\?\n\n\[Assistant 1\]\nreference answer to: How many cats are there\?\n\n\[End of Assistant 1\]\n\n\[Assistant 2\]\nmodel answer/);

    const summary = summarizeJudge(records);
    const first = summary.passes.find((p) => p.order === 'reference-first')!;
    expect(first).toMatchObject({ total: 3, ok: 2, failed: 1, retried: 1 });
    // conv 6/8 = 75, detail 5/7 = 71.4; overall ratio of means 11/15 = 73.3, mean of ratios (0.75 + 0.714286)/2 = 73.2
    expect(first.scores?.overall).toMatchObject({ n: 2, ratioOfMeans: 73.3, meanOfRatios: 73.2 });
    expect(summary.judge.models).toEqual(['gpt-4-judge']);
    // Swapped pass: the scripted judge always favours Assistant 1, so the preference flips on both pairs.
    expect(summary.orderBias).toMatchObject({ pairs: 2, preferenceFlips: 2 });

    // Reruns resume: nothing is asked again.
    const before = server.requests.length;
    await generateAnswers(questions, answerFn, { model: 'tiny-llava', imageRoot: dir, outFile: answersFile });
    await generateReferenceAnswers(questions, { chat, model: 'gpt-4-judge', buildMessages: llavaBenchReferenceMessages, outFile: refFile });
    const again = await runJudge(inputs, { chat, buildMessages: llavaBenchJudgeMessages, model: 'gpt-4-judge', outFile: reviewsFile, swap: true });
    expect(server.requests.length).toBe(before);
    expect(again).toHaveLength(6);

    // The judge recovers: --retry-failed re-judges only the failed items; the failed records stay as history.
    server.setHandler((request, ctx) => (messageText(request.messages[1]).includes('Why are they sleeping') ? '5 4\nrecovered' : handler(request, ctx)));
    const retried = await runJudge(inputs, { chat, buildMessages: llavaBenchJudgeMessages, model: 'gpt-4-judge', outFile: reviewsFile, swap: true, retryFailed: true });
    expect(retried).toHaveLength(6);
    expect(retried.filter((r) => r.status === 'failed')).toHaveLength(0);
    expect(readFileSync(reviewsFile, 'utf8').trim().split('\n')).toHaveLength(8);
    expect(summarizeJudge(readJsonl(reviewsFile, judgeRecordSchema)).passes[0]).toMatchObject({ total: 3, ok: 3, failed: 0 });
    expect(retried.find((r) => r.id === 'q3' && r.order === 'reference-first')).toMatchObject({ round: 1, status: 'ok', scores: { reference: 5, model: 4 } });
    expect(server.chatRequests().at(-1)?.seed).toBe(1);
    await teacher.close();

    const report = buildEvalReport({ model: 'tiny-llava', judge: summary });
    const markdown = reportMarkdown(report);
    expect(markdown).toContain('| **all** | 2 | 7.5 | 5.5 | 73.3 | 73.2 | 1 |');
    expect(markdown).toContain('3 item(s): 2 scored, 1 failed (excluded, not filled in), 1 needed a retry.');
    const png = await svgToPng(barChartSvg(reportChartSpec(report)));
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(400);
    expect(readFileSync(answersFile, 'utf8').trim().split('\n')).toHaveLength(3);
  });
});
