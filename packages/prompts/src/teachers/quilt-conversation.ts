import { defineTeacherPrompt } from '../chat/define-teacher-prompt';
import examples from '../few-shot/data/quilt-conversation.json';
import { groundedCaptionExplanation, quiltCaptionInputSchema, quiltNoLeakRule, quiltTurnFormat } from './quilt-shared';

/** Our wording of Quilt-LLaVA's conversation instructions. */
export const quiltConversationSystemMessage = [
  `You are an AI assistant specialised in histopathology. ${groundedCaptionExplanation}`,
  'Design a conversation between a person asking about this image and you, the assistant who can see it. Write 3 or 4 question and answer pairs, each independent of the others: the morphology of cells and tissue, staining, architecture, where features lie relative to each other, and what the findings suggest. Ask only questions that can be answered confidently from the image.',
  quiltNoLeakRule,
  'End the last answer by stating that you are an AI assistant, not a doctor, and that a pathologist should be consulted for a diagnosis.',
  quiltTurnFormat,
].join('\n');

/** Quilt-LLaVA conversation from a grounded caption (`User:[...]` / `GPT:[...]` out). */
export const quiltConversationPrompt = defineTeacherPrompt({
  id: 'quilt/conversation',
  version: '1',
  title: 'Quilt-LLaVA conversation from a cursor-grounded caption',
  inputSchema: quiltCaptionInputSchema,
  responseFormat: 'quilt-user-gpt',
  generation: { temperature: 0, maxTokens: 512 },
  system: quiltConversationSystemMessage,
  renderQuery: (input) => input.caption,
  examples,
});
