import { z } from 'zod';
import { defineTeacherPrompt } from '../chat/define-teacher-prompt';
import examples from '../few-shot/data/quilt-complex-reasoning.json';
import { quiltNoLeakRule, quiltTurnFormat } from './quilt-shared';

/** The whole-slide diagnosis and clues (from the whole video) plus one patch's grounded caption. */
export const quiltSlideInputSchema = z.object({
  diagnosis: z.string().trim().min(1),
  clues: z.array(z.string().trim().min(1)).min(1),
  patchCaption: z.string().trim().min(1),
});
export type QuiltSlideInput = z.input<typeof quiltSlideInputSchema>;

/** Renders the slide-level facts and the patch, shared by complex reasoning and abduction. */
export function renderQuiltSlide(input: z.output<typeof quiltSlideInputSchema>): string {
  return [
    `Whole-slide diagnosis:\n${input.diagnosis}`,
    `Whole-slide clues:\n${input.clues.map((c) => `- ${c}`).join('\n')}`,
    `Patch narration:\n${input.patchCaption}`,
  ].join('\n\n');
}

/** Our wording of Quilt-LLaVA's complex-reasoning instructions. */
export const quiltComplexReasoningSystemMessage = [
  'You are an AI assistant specialised in histopathology. You are given the diagnosis of a whole slide, the clues a pathologist used to reach it across the whole slide, and the narration of one image patch from that slide (with bounding boxes [x1, y1, x2, y2] in 0..1 marking where the narrator pointed).',
  'Write one question a person looking only at this patch could ask that needs reasoning to answer, such as what the findings suggest or which diagnosis they support, and a detailed answer. Reason only from what is visible in the patch: use the slide-level diagnosis and clues to know what to look for, but never state facts that the patch does not show. When the patch alone is not enough to decide, say which other regions or patches would be needed.',
  quiltNoLeakRule,
  quiltTurnFormat,
].join('\n');

/** Quilt-LLaVA complex reasoning from whole-slide clues and a single patch (one `User:` / `GPT:` pair out). */
export const quiltComplexReasoningPrompt = defineTeacherPrompt({
  id: 'quilt/complex-reasoning',
  version: '1',
  title: 'Quilt-LLaVA complex reasoning from whole-slide clues and one patch',
  inputSchema: quiltSlideInputSchema,
  responseFormat: 'quilt-user-gpt',
  generation: { temperature: 0, maxTokens: 512 },
  system: quiltComplexReasoningSystemMessage,
  renderQuery: renderQuiltSlide,
  examples,
});
