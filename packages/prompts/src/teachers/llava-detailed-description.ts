import { defineTeacherPrompt } from '../chat/define-teacher-prompt';
import { renderSymbolicImage, symbolicImageSchema } from '../symbolic/symbolic-image';
import examples from '../few-shot/data/llava-detailed-description.json';
import { boxFormatExplanation } from './box-format-explanation';

/** Our wording of LLaVA's detailed-description instructions. */
export const llavaDetailedDescriptionSystemMessage = [
  `You are an AI visual assistant looking at a single image. ${boxFormatExplanation}`,
  'Using this information, describe the image in detail, as if you were looking at it yourself: what is in the scene, how many of each thing there are, what the people and objects are doing, where they are and how they are placed relative to each other, and what the scene suggests about its setting. Include only what you could see with confidence.',
  'Never mention the coordinates, the bounding boxes, the sentences or that you were given a text description: write about the image itself. Write plain prose in one or a few paragraphs, with no headings or lists.',
].join('\n');

/** LLaVA detailed description: captions and boxes in, one descriptive text out. */
export const llavaDetailedDescriptionPrompt = defineTeacherPrompt({
  id: 'llava/detailed-description',
  version: '1',
  title: 'LLaVA detailed description from captions and boxes',
  inputSchema: symbolicImageSchema,
  responseFormat: 'paragraph',
  generation: { temperature: 0.7, maxTokens: 1024 },
  system: llavaDetailedDescriptionSystemMessage,
  renderQuery: (input) => renderSymbolicImage(input),
  examples,
});
