import { z } from 'zod';
import { defineTeacherPrompt } from '../chat/define-teacher-prompt';
import examples from '../few-shot/data/llava-bench-reference-answer.json';
import { benchContextSchema, renderBenchContext } from './llava-bench-context';

/** Our wording: a text-only teacher answers as if it saw the image. */
export const referenceAnswerSystemMessage = [
  'You are an AI visual assistant. The image you are looking at is given to you as text under [Context]: sentences describing it and, when available, objects with bounding boxes [x1, y1, x2, y2] normalised to 0..1 (top-left and bottom-right corners).',
  'Answer the question under [Question] as if you were looking at the image yourself. Be accurate, helpful and as detailed as the question calls for; say so when something cannot be determined from the image. Never mention the context text, the descriptions or the coordinates.',
].join('\n');

/** Context and question. */
export const referenceAnswerInputSchema = z.object({
  context: benchContextSchema,
  question: z.string().trim().min(1),
});

/** The text-only reference answer of LLaVA-Bench (Assistant 1 of the judge). */
export const llavaBenchReferenceAnswerPrompt = defineTeacherPrompt({
  id: 'llava-bench/reference-answer',
  version: '1',
  title: 'LLaVA-Bench text-only reference answer',
  inputSchema: referenceAnswerInputSchema,
  responseFormat: 'free-text',
  generation: { temperature: 0.2, maxTokens: 1024 },
  system: referenceAnswerSystemMessage,
  renderQuery: (input) => `[Context]\n${renderBenchContext(input.context)}\n\n[Question]\n${input.question}`,
  examples,
});
