import { evalQuestionSchema, generateAnswers, generateReferenceAnswers, llavaBenchReferenceMessages, LLAVA_BENCH_PROMPTS, openAIAnswerFn, readJsonl } from '@vlm/eval';
import { intFlag, numberFlag, progress, required } from './args';
import { defineCommand } from '@vlm/core/node';
import { VlmError } from '@vlm/core';
import { chatFor, teacherFlags } from './teacher-options';

const USAGE = `usage: vlm-eval answer --questions questions.jsonl --out answers.jsonl (--model NAME [--base-url URL] | --checkpoint DIR)
                       [--images DIR] [--reference] [--cache-dir DIR | --no-cache] [--concurrency 4] [--temperature T] [--max-tokens N]
  Answers every question with the model under test (an OpenAI-compatible vision endpoint; the image is
  sent inline). With --reference, a text-only teacher answers from the captions and boxes instead (the
  LLaVA-Bench reference, Assistant 1 of the judge), cached on disk (--no-cache: direct calls).
  With --checkpoint, a vlm-train checkpoint answers locally with the template it was trained with. Reruns skip ids already answered.
  Image paths are relative to --images (default: the current folder) and must stay inside it: absolute
  and ../ paths are rejected before the first call.
  The API key comes from OPENAI_API_KEY (any value for local servers).`;

/** `vlm-eval answer`: model answers or text-only reference answers, resumable. */
export const answerCommand = defineCommand(
  {
    summary: 'answers every question with the model under test, a checkpoint, or the text-only reference',
    usage: USAGE,
    options: {
      questions: { type: 'string' },
      out: { type: 'string' },
      images: { type: 'string' },
      reference: { type: 'boolean' },
      checkpoint: { type: 'string' },
      temperature: { type: 'string' },
      'max-tokens': { type: 'string' },
      ...teacherFlags,
    },
  },
  async ({ values }) => {
    const questionsFile = required('answer', values.questions, 'questions', USAGE);
    const out = required('answer', values.out, 'out', USAGE);
    const concurrency = intFlag('answer', values.concurrency, 'concurrency', 4);
    const temperature = numberFlag('answer', values.temperature, 'temperature');
    const maxTokens = values['max-tokens'] === undefined ? undefined : intFlag('answer', values['max-tokens'], 'max-tokens', 512);
    const questions = readJsonl(questionsFile, evalQuestionSchema);

    if (values.checkpoint) {
      if (values.reference) throw new VlmError('cli_usage', 'answer: --checkpoint and --reference exclude each other.', { hint: USAGE });
      // Loaded on demand: TensorFlow.js is only needed when a local checkpoint answers.
      const { checkpointAnswerFn } = await import('../checkpoint/checkpoint-answer-fn');
      const local = await checkpointAnswerFn(values.checkpoint, {
        ...(temperature !== undefined ? { temperature } : {}),
        ...(maxTokens !== undefined ? { maxNewTokens: maxTokens } : {}),
      });
      const model = values.model ?? local.modelName;
      const records = await generateAnswers(questions, local.answerFn, {
        model,
        outFile: out,
        imageRoot: values.images ?? '.',
        concurrency: 1, // one local model: calls run one after another
        onAnswer: progress('answers', questions.length),
      });
      console.log(JSON.stringify({ out, answers: records.length, model, template: local.template }));
      return 0;
    }

    const model = required('answer', values.model, 'model', USAGE);
    const tick = progress(values.reference ? 'reference answers' : 'answers', questions.length);

    if (values.reference) {
      const teacher = chatFor(values, out, concurrency);
      try {
        const records = await generateReferenceAnswers(questions, {
          chat: teacher.chat,
          model,
          buildMessages: llavaBenchReferenceMessages,
          temperature: temperature ?? LLAVA_BENCH_PROMPTS.reference.temperature,
          ...(maxTokens !== undefined ? { maxTokens } : {}),
          outFile: out,
          concurrency,
          onAnswer: tick,
        });
        console.log(JSON.stringify({ out, answers: records.length, model, prompt: LLAVA_BENCH_PROMPTS.reference, ...teacher.stats() }));
      } finally {
        await teacher.close();
      }
      return 0;
    }

    const answerFn = openAIAnswerFn({
      model,
      ...(values['base-url'] ? { baseURL: values['base-url'] } : {}),
      ...(temperature !== undefined ? { temperature } : {}),
      ...(maxTokens !== undefined ? { maxTokens } : {}),
    });
    const records = await generateAnswers(questions, answerFn, {
      model,
      outFile: out,
      imageRoot: values.images ?? '.',
      concurrency,
      onAnswer: tick,
    });
    console.log(JSON.stringify({ out, answers: records.length, model }));
    return 0;
  },
);
