import { defineTeacherPrompt } from '../chat/define-teacher-prompt';
import { renderSymbolicImage, symbolicImageSchema } from '../symbolic/symbolic-image';
import examples from '../few-shot/data/llava-conversation.json';
import { llavaConversationSystemMessage } from './llava-conversation-system';

/**
 * LLaVA conversation data: the seed's system message, the captions as the query (no boxes, as
 * upstream), `Question:` / `===` / `Answer:` blocks back.
 */
export const llavaConversationPrompt = defineTeacherPrompt({
  id: 'llava/conversation',
  version: '1',
  title: 'LLaVA multi-turn conversation from captions',
  inputSchema: symbolicImageSchema,
  responseFormat: 'question-answer-blocks',
  generation: { temperature: 0.7, maxTokens: 1024 },
  system: llavaConversationSystemMessage,
  renderQuery: (input) => renderSymbolicImage(input, { includeBoxes: false }),
  examples,
});
