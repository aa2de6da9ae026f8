import type { z } from 'zod';
import { VlmError } from '@vlm/core';
import type { TeacherPrompt } from '../chat/define-teacher-prompt';
import { llavaBenchJudgePrompt } from './llava-bench-judge';
import { llavaBenchReferenceAnswerPrompt } from './llava-bench-reference-answer';
import { llavaComplexReasoningPrompt } from './llava-complex-reasoning';
import { llavaConversationPrompt } from './llava-conversation';
import { llavaDetailedDescriptionPrompt } from './llava-detailed-description';
import { llavaMedPrompt } from './llava-med';
import { pathgenDescriptionPrompt } from './pathgen-description';
import { pathgenRevisionCorrectPrompt, pathgenRevisionInjectPrompt } from './pathgen-revision';
import { pathgenSummaryPrompt } from './pathgen-summary';
import { quiltAbductionAssistantPrompt, quiltAbductionStudentPrompt } from './quilt-abduction';
import { quiltComplexReasoningPrompt } from './quilt-complex-reasoning';
import { quiltConversationPrompt } from './quilt-conversation';
import { quiltDetailedDescriptionPrompt } from './quilt-detailed-description';

/** Every shipped teacher prompt, in a stable order. */
export const teacherPrompts: readonly TeacherPrompt<z.ZodType>[] = Object.freeze([
  llavaConversationPrompt,
  llavaDetailedDescriptionPrompt,
  llavaComplexReasoningPrompt,
  llavaMedPrompt,
  quiltConversationPrompt,
  quiltDetailedDescriptionPrompt,
  quiltComplexReasoningPrompt,
  quiltAbductionStudentPrompt,
  quiltAbductionAssistantPrompt,
  pathgenDescriptionPrompt,
  pathgenRevisionInjectPrompt,
  pathgenRevisionCorrectPrompt,
  pathgenSummaryPrompt,
  llavaBenchJudgePrompt,
  llavaBenchReferenceAnswerPrompt,
] as TeacherPrompt<z.ZodType>[]);

/** The shipped prompt with this id (as recorded in generated data); a `VlmError` lists the known ids. */
export function getTeacherPrompt(id: string): TeacherPrompt<z.ZodType> {
  const prompt = teacherPrompts.find((p) => p.id === id);
  if (prompt === undefined) {
    throw new VlmError('prompt_unknown', `No teacher prompt with id ${JSON.stringify(id)}.`, {
      hint: `Known ids: ${teacherPrompts.map((p) => p.id).join(', ')}.`,
    });
  }
  return prompt;
}
