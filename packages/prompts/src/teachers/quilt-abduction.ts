import { z } from 'zod';
import { defineTeacherPrompt } from '../chat/define-teacher-prompt';
import studentExamples from '../few-shot/data/quilt-abduction-student.json';
import assistantExamples from '../few-shot/data/quilt-abduction-assistant.json';
import { ABDUCTION_CORRECT, ABDUCTION_END, abductionMessageSchema, type AbductionMessage } from '../quilt/abduction-dialogue';
import { quiltSlideInputSchema, renderQuiltSlide } from './quilt-complex-reasoning';

function renderHistory(history: readonly AbductionMessage[]): string {
  if (history.length === 0) return 'Conversation so far:\n(none)';
  return `Conversation so far:\n${history.map((m) => `${m.agent === 'student' ? 'Student' : 'Assistant'}: ${m.text}`).join('\n')}`;
}

/** The student's view: the patch only, and the dialogue so far. */
export const quiltAbductionStudentInputSchema = z.object({
  patchCaption: z.string().trim().min(1),
  history: z.array(abductionMessageSchema).default([]),
});

/** The assistant's view: slide diagnosis and clues, the patch, the dialogue, and whether this is its last message. */
export const quiltAbductionAssistantInputSchema = quiltSlideInputSchema.extend({
  history: z.array(abductionMessageSchema).min(1),
  isLastTurn: z.boolean().default(false),
});

/** Our wording of the student agent of Quilt's iterative abduction. */
export const quiltAbductionStudentSystemMessage = [
  'You are a pathology student looking at one histopathology image patch, described to you by the narration of a pathologist (bounding boxes [x1, y1, x2, y2] in 0..1 mark where they pointed). You do not know the diagnosis.',
  'Propose the most likely diagnosis and explain which visible features lead you to it. When an assistant has given you guidance, revise your hypothesis using it. Speak as if you are looking at the image; never mention coordinates, boxes or narration. Write only your next message, in two to four sentences.',
].join('\n');

/** Our wording of the assistant agent of Quilt's iterative abduction. */
export const quiltAbductionAssistantSystemMessage = [
  'You are an expert pathologist guiding a student who is looking at one image patch from a slide. You know the diagnosis of the whole slide and the clues that support it; the student sees only the patch.',
  `Judge the student's latest hypothesis. If it matches the diagnosis, start your message with ${ABDUCTION_CORRECT} and confirm which visible features support it. Otherwise, do not reveal the diagnosis: point the student to features in the patch they missed or misread, or to what other regions of the slide would show, so they can revise their reasoning.`,
  `When you are told it is your last message, give your final explanation and end it with "${ABDUCTION_END}".`,
  'Speak as if you are looking at the image; never mention coordinates, boxes or narration. Write only your next message, in two to five sentences.',
].join('\n');

/** Quilt iterative abduction, student agent (free text out). */
export const quiltAbductionStudentPrompt = defineTeacherPrompt({
  id: 'quilt/abduction-student',
  version: '1',
  title: 'Quilt-LLaVA iterative abduction: student agent',
  inputSchema: quiltAbductionStudentInputSchema,
  responseFormat: 'free-text',
  generation: { temperature: 0, maxTokens: 512 },
  system: quiltAbductionStudentSystemMessage,
  renderQuery: (input) => `Patch narration:\n${input.patchCaption}\n\n${renderHistory(input.history)}\n\nWrite the student's next message.`,
  examples: studentExamples,
});

/** Quilt iterative abduction, assistant agent (free text out, with its stop markers). */
export const quiltAbductionAssistantPrompt = defineTeacherPrompt({
  id: 'quilt/abduction-assistant',
  version: '1',
  title: 'Quilt-LLaVA iterative abduction: assistant agent',
  inputSchema: quiltAbductionAssistantInputSchema,
  responseFormat: 'free-text',
  generation: { temperature: 0, maxTokens: 512 },
  system: quiltAbductionAssistantSystemMessage,
  renderQuery: (input) =>
    `${renderQuiltSlide(input)}\n\n${renderHistory(input.history)}\n\nWrite the assistant's next message.${input.isLastTurn ? ` This is your last message: end it with "${ABDUCTION_END}".` : ''}`,
  examples: assistantExamples,
});
