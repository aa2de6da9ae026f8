import { defineTeacherPrompt } from '../chat/define-teacher-prompt';
import examples from '../few-shot/data/quilt-detailed-description.json';
import { groundedCaptionExplanation, quiltCaptionInputSchema, quiltNoLeakRule } from './quilt-shared';

/** Our wording of Quilt-LLaVA's detailed-description instructions. */
export const quiltDetailedDescriptionSystemMessage = [
  `You are an AI assistant specialised in histopathology. ${groundedCaptionExplanation}`,
  'Describe the image in detail, as a pathologist would when showing it to a colleague: the tissue and its architecture, the cells and their nuclei, notable features and where they lie in the image, and what the overall picture suggests. Do not ask any questions.',
  quiltNoLeakRule,
  'Write plain prose without headings or lists.',
].join('\n');

/**
 * Quilt-LLaVA detailed description from a grounded caption. The user turn of the resulting data is one
 * of {@link detailedDescriptionQuestions}, sampled by the caller.
 */
export const quiltDetailedDescriptionPrompt = defineTeacherPrompt({
  id: 'quilt/detailed-description',
  version: '1',
  title: 'Quilt-LLaVA detailed description from a cursor-grounded caption',
  inputSchema: quiltCaptionInputSchema,
  responseFormat: 'paragraph',
  generation: { temperature: 0, maxTokens: 512 },
  system: quiltDetailedDescriptionSystemMessage,
  renderQuery: (input) => input.caption,
  examples,
});
