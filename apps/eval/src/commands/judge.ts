import { writeFileSync } from 'node:fs';
import {
  answerRecordSchema,
  buildJudgeInputs,
  evalQuestionSchema,
  llavaBenchJudgeMessages,
  LLAVA_BENCH_PROMPTS,
  readJsonl,
  runJudge,
  summarizeJudge,
} from '@vlm/eval';
import { intFlag, numberFlag, progress, required } from './args';
import { choiceOption, defineCommand } from '@vlm/core/node';
import { chatFor, teacherFlags } from './teacher-options';

const USAGE = `usage: vlm-eval judge --questions questions.jsonl --reference reference.jsonl --answers answers.jsonl
                      --out reviews.jsonl --model JUDGE [--base-url URL] [--swap] [--max-attempts 3] [--retry-failed]
                      [--summary summary.json] [--cache-dir DIR | --no-cache] [--concurrency 4] [--temperature 0.2]
                      [--rounding exact|upstream]
  Judges each model answer against the text-only reference (LLaVA-Bench layout). The two scores must be
  alone on the first line; otherwise the judge is asked again, up to --max-attempts calls. Every raw
  output is kept in the review file; items that never parse are counted as failures, never filled in.
  Judge calls are cached on disk (--no-cache: direct calls that record the served model version).
  Reruns skip judged items; --retry-failed judges the failed ones again (the old records stay as history).
  --swap adds a second pass with the assistants swapped to measure order bias.
  --rounding upstream rounds both means to 3 decimals before dividing, as LLaVA's summarize_gpt_review.py
  prints the ratio of means (it can be 0.1 lower or higher); default exact.`;

/** `vlm-eval judge`: the GPT judge with strict parsing, retries and an optional swapped pass. */
export const judgeCommand = defineCommand(
  {
    summary: 'the GPT judge against the text-only reference (LLaVA-Bench), with retries and --swap',
    usage: USAGE,
    options: {
      questions: { type: 'string' },
      reference: { type: 'string' },
      answers: { type: 'string' },
      out: { type: 'string' },
      summary: { type: 'string' },
      swap: { type: 'boolean' },
      'retry-failed': { type: 'boolean' },
      'max-attempts': { type: 'string' },
      temperature: { type: 'string' },
      rounding: { type: 'string' },
      ...teacherFlags,
    },
  },
  async ({ values }) => {
    const out = required('judge', values.out, 'out', USAGE);
    const rounding = choiceOption(values.rounding, 'rounding', ['exact', 'upstream']);
    const model = required('judge', values.model, 'model', USAGE);
    const questions = readJsonl(required('judge', values.questions, 'questions', USAGE), evalQuestionSchema);
    const references = readJsonl(required('judge', values.reference, 'reference', USAGE), answerRecordSchema);
    const answers = readJsonl(required('judge', values.answers, 'answers', USAGE), answerRecordSchema);
    const concurrency = intFlag('judge', values.concurrency, 'concurrency', 4);
    const inputs = buildJudgeInputs(questions, references, answers);
    const teacher = chatFor(values, out, concurrency);
    try {
      const records = await runJudge(inputs, {
        chat: teacher.chat,
        buildMessages: llavaBenchJudgeMessages,
        model,
        temperature: numberFlag('judge', values.temperature, 'temperature') ?? LLAVA_BENCH_PROMPTS.judge.temperature,
        maxAttempts: intFlag('judge', values['max-attempts'], 'max-attempts', 3),
        swap: values.swap ?? false,
        retryFailed: values['retry-failed'] ?? false,
        outFile: out,
        concurrency,
        onRecord: progress('judged', inputs.length * (values.swap ? 2 : 1)),
      });
      const summary = { prompt: LLAVA_BENCH_PROMPTS.judge, ...summarizeJudge(records, { rounding }) };
      if (values.summary) writeFileSync(values.summary, `${JSON.stringify(summary, null, 2)}\n`);
      for (const pass of summary.passes) {
        console.error(`${pass.order}: ${pass.ok}/${pass.total} scored, ${pass.failed} failed, ${pass.retried} retried` +
          (pass.scores ? `; overall ${pass.scores.overall.ratioOfMeans} (ratio of means, ${pass.scores.rounding.mode} rounding), ${pass.scores.overall.meanOfRatios} (mean of ratios)` : ''));
      }
      console.log(JSON.stringify({ out, records: records.length, failures: summary.failures.length, judge: summary.judge }));
    } finally {
      await teacher.close();
    }
    return 0;
  },
);
