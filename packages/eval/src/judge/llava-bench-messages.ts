import { llavaBenchJudgePrompt, llavaBenchReferenceAnswerPrompt, messageText } from '@vlm/prompts';
import type { TextChatMessage } from '../chat/chat-fn';
import type { ReferenceMessagesBuilder } from '../reference/reference-answers';
import type { JudgeMessagesBuilder } from './judge-item';

function toText(messages: ReturnType<typeof llavaBenchJudgePrompt.build>['messages']): TextChatMessage[] {
  return messages.map((m) => ({ role: m.role, content: messageText(m) }));
}

/** Judge messages from @vlm/prompts' LLaVA-Bench judge prompt (rendered context passed verbatim). */
export const llavaBenchJudgeMessages: JudgeMessagesBuilder = ({ context, question, answer1, answer2 }) =>
  toText(llavaBenchJudgePrompt.build({ context, question, referenceAnswer: answer1, candidateAnswer: answer2 }).messages);

/** Reference-answer messages from @vlm/prompts' text-only LLaVA-Bench reference prompt (with its few-shot examples). */
export const llavaBenchReferenceMessages: ReferenceMessagesBuilder = ({ context, question }) =>
  toText(llavaBenchReferenceAnswerPrompt.build({ context, question }).messages);

/** Prompt ids and versions, recorded so a report says which wording produced its numbers. */
export const LLAVA_BENCH_PROMPTS = {
  judge: { id: llavaBenchJudgePrompt.id, version: llavaBenchJudgePrompt.version, temperature: llavaBenchJudgePrompt.generation.temperature },
  reference: { id: llavaBenchReferenceAnswerPrompt.id, version: llavaBenchReferenceAnswerPrompt.version, temperature: llavaBenchReferenceAnswerPrompt.generation.temperature },
} as const;
