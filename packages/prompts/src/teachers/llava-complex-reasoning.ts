import { defineTeacherPrompt } from '../chat/define-teacher-prompt';
import { renderSymbolicImage, symbolicImageSchema } from '../symbolic/symbolic-image';
import examples from '../few-shot/data/llava-complex-reasoning.json';
import { boxFormatExplanation } from './box-format-explanation';

/** Our wording of LLaVA's complex-reasoning instructions. */
export const llavaComplexReasoningSystemMessage = [
  `You are an AI visual assistant looking at a single image. ${boxFormatExplanation}`,
  'Using this information, write one plausible question about the image that takes careful reasoning to answer, and a detailed answer to it. The question should go beyond listing what is visible: ask about the background knowledge needed to understand the scene, why something is happening, what is likely to happen next, or what challenges the people in it face. Do not ask about details that cannot be determined from the image.',
  'Answer as if you were looking at the image: first point out what in the image matters for the question, then reason step by step to a well-supported conclusion. Never mention the coordinates, the bounding boxes, the sentences or that you were given a text description.',
  'Write the result as:\nQuestion:\n<the question>\n===\nAnswer:\n<the answer>',
].join('\n');

/** LLaVA complex reasoning: captions and boxes in, one `Question:` / `Answer:` block out. */
export const llavaComplexReasoningPrompt = defineTeacherPrompt({
  id: 'llava/complex-reasoning',
  version: '1',
  title: 'LLaVA complex reasoning question and answer from captions and boxes',
  inputSchema: symbolicImageSchema,
  responseFormat: 'question-answer-blocks',
  generation: { temperature: 0.7, maxTokens: 1024 },
  system: llavaComplexReasoningSystemMessage,
  renderQuery: (input) => renderSymbolicImage(input),
  examples,
});
