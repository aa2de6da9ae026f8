import { z } from 'zod';
import { defineTeacherPrompt } from '../chat/define-teacher-prompt';
import type { ChatContentPart } from '../chat/chat-message';
import examples from '../few-shot/data/pathgen-description.json';

/**
 * What the description agent gets: an image URL (for a vision teacher such as GPT-4V) and/or an
 * existing short caption to refine, plus optional tissue site and report excerpt.
 */
export const pathgenDescriptionInputSchema = z
  .object({
    caption: z.string().trim().min(1).optional(),
    tissue: z.string().trim().min(1).optional(),
    reportExcerpt: z.string().trim().min(1).optional(),
    /** `data:` or `https:` URL of the patch; sent as an `image_url` content part. */
    imageUrl: z.string().min(1).optional(),
  })
  .refine((v) => v.caption !== undefined || v.imageUrl !== undefined, {
    message: 'Give the patch image (imageUrl) or a caption to refine, or both.',
    path: ['caption'],
  });
export type PathgenDescriptionInput = z.input<typeof pathgenDescriptionInputSchema>;

/** Our wording of PathGen's description instructions (morphology first, observable features only). */
export const pathgenDescriptionSystemMessage = [
  'You are an expert pathologist writing a description of one H&E-stained histopathology image patch.',
  'Describe cell and tissue morphology first: tissue type and architecture, cell arrangement, nuclear size, shape, chromatin and nucleoli, cytoplasm, mitoses, stroma, inflammation and any necrosis. Then, only if the features support it, say what they are consistent with.',
  'Include only features that can be observed in the patch. Do not invent findings, measurements or clinical history, and do not mention the caption, the report or any text you were given. Write one paragraph of 40 to 80 words.',
].join('\n');

function renderText(input: z.output<typeof pathgenDescriptionInputSchema>): string {
  const lines: string[] = [];
  if (input.tissue !== undefined) lines.push(`Tissue: ${input.tissue}`);
  if (input.caption !== undefined) lines.push(`Caption to refine: ${input.caption}`);
  if (input.reportExcerpt !== undefined) lines.push(`Report excerpt: ${input.reportExcerpt}`);
  lines.push('Describe the patch.');
  return lines.join('\n');
}

/** PathGen patch description (one paragraph out); with `imageUrl` the query is multimodal. */
export const pathgenDescriptionPrompt = defineTeacherPrompt({
  id: 'pathgen/description',
  version: '1',
  title: 'PathGen patch description',
  inputSchema: pathgenDescriptionInputSchema,
  responseFormat: 'paragraph',
  generation: { temperature: 0.2, maxTokens: 300 },
  system: pathgenDescriptionSystemMessage,
  renderQuery: (input): string | ChatContentPart[] => {
    const text = renderText(input);
    if (input.imageUrl === undefined) return text;
    return [
      { type: 'text', text },
      { type: 'image_url', image_url: { url: input.imageUrl } },
    ];
  },
  examples,
});
