import { z } from 'zod';
import type { Rng } from '@vlm/core';
import { defineTeacherPrompt } from '../chat/define-teacher-prompt';
import type { ChatContentPart } from '../chat/chat-message';
import injectExamples from '../few-shot/data/pathgen-revision-inject.json';
import correctExamples from '../few-shot/data/pathgen-revision-correct.json';

/** How an error is injected into a correct description (PathGen's revise agent data). */
export const revisionOperationSchema = z.enum(['addition', 'deletion', 'modification']);
export type RevisionOperation = z.infer<typeof revisionOperationSchema>;

/** One operation, uniformly. */
export function sampleRevisionOperation(rng: Rng): RevisionOperation {
  return rng.pick(revisionOperationSchema.options);
}

const operationInstructions: Record<RevisionOperation, string> = {
  addition: 'Add one plausible-sounding finding that is not in the description (for example a feature, a cell type or a pattern), woven naturally into the text.',
  deletion: 'Remove one important finding from the description, so that the description misses something that is there, and smooth the text so the gap is not obvious.',
  modification: 'Change one finding into a wrong one (for example the size, shape, arrangement, staining or location of a feature, or the tissue type), keeping everything else identical.',
};

/** A correct description and the operation to apply. */
export const revisionInjectInputSchema = z.object({
  description: z.string().trim().min(1),
  operation: revisionOperationSchema,
});

/** Our wording of the error-injection instructions. */
export const revisionInjectSystemMessage = [
  'You help build training data for a model that corrects pathology image descriptions. You are given a correct description of an H&E histopathology image patch and an operation.',
  'Rewrite the description with exactly one error introduced by that operation. Keep the wording, length and style otherwise as close to the original as possible, and make the error realistic rather than absurd.',
  'Return only the rewritten description as one paragraph, with no comments on what you changed.',
].join('\n');

/** PathGen revision, error injection: correct description + operation in, erroneous description out. */
export const pathgenRevisionInjectPrompt = defineTeacherPrompt({
  id: 'pathgen/revision-inject',
  version: '1',
  title: 'PathGen revision data: inject one error into a correct description',
  inputSchema: revisionInjectInputSchema,
  responseFormat: 'paragraph',
  generation: { temperature: 0.7, maxTokens: 300 },
  system: revisionInjectSystemMessage,
  renderQuery: (input) => `Operation: ${input.operation}\n${operationInstructions[input.operation]}\n\nDescription:\n${input.description}`,
  examples: injectExamples,
});

/** An erroneous description, optionally with the patch image for a vision teacher. */
export const revisionCorrectInputSchema = z.object({
  description: z.string().trim().min(1),
  imageUrl: z.string().min(1).optional(),
});

/** Our wording of the correction instructions. */
export const revisionCorrectSystemMessage = [
  'You are an expert pathologist reviewing a description of an H&E histopathology image patch. The description may contain an added finding that is not there, a missing finding, or a wrongly stated finding.',
  'Return the corrected description as one paragraph: remove what is not supported, restore what is missing and fix what is wrong, changing nothing else. Return only the description.',
].join('\n');

/** PathGen revision, correction: erroneous description (and image) in, corrected description out. */
export const pathgenRevisionCorrectPrompt = defineTeacherPrompt({
  id: 'pathgen/revision-correct',
  version: '1',
  title: 'PathGen revision: correct an erroneous description',
  inputSchema: revisionCorrectInputSchema,
  responseFormat: 'paragraph',
  generation: { temperature: 0, maxTokens: 300 },
  system: revisionCorrectSystemMessage,
  renderQuery: (input): string | ChatContentPart[] => {
    const text = `Description to review:\n${input.description}`;
    if (input.imageUrl === undefined) return text;
    return [
      { type: 'text', text },
      { type: 'image_url', image_url: { url: input.imageUrl } },
    ];
  },
  examples: correctExamples,
});
