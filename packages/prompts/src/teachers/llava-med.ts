import { z } from 'zod';
import { defineTeacherPrompt } from '../chat/define-teacher-prompt';
import examples from '../few-shot/data/llava-med.json';
import { llavaMedSystemMessage } from './llava-med-system';

/** The imaging domains LLaVA-Med's few-shot examples are flagged with. */
export const llavaMedDomainSchema = z.enum(['chest_xray', 'ct_scan', 'gross', 'histology', 'mri']);
export type LlavaMedDomain = z.infer<typeof llavaMedDomainSchema>;

/** A figure from a biomedical paper: its label, caption and the sentences of the paper that mention it. */
export const llavaMedInputSchema = z.object({
  /** e.g. `Figure 2` or `Fig. 3B`; omitted from the query when absent. */
  figureLabel: z.string().trim().min(1).optional(),
  caption: z.string().trim().min(1),
  /** Inline mentions of the figure in the paper text (the optional `Figure Context:` block). */
  mentions: z.array(z.string().trim().min(1)).default([]),
  domain: llavaMedDomainSchema.optional(),
});
export type LlavaMedInput = z.input<typeof llavaMedInputSchema>;

/**
 * LLaVA-Med's user message: `Figure Caption:\n{label}: {caption}` and, when the paper mentions the figure,
 * `\n\nFigure Context:\n\t- {mention}` per mention.
 */
export function renderLlavaMedQuery(input: z.output<typeof llavaMedInputSchema>): string {
  const caption = input.figureLabel === undefined ? input.caption : `${input.figureLabel}: ${input.caption}`;
  const context = input.mentions.length === 0 ? '' : `\n\nFigure Context:\n${input.mentions.map((m) => `\t- ${m}`).join('\n')}`;
  return `Figure Caption:\n${caption}${context}`;
}

/** LLaVA-Med instruction generation (the seed's system message, temperature 0, `User:` / `Assistant:` out). */
export const llavaMedPrompt = defineTeacherPrompt({
  id: 'llava-med/conversation',
  version: '1',
  title: 'LLaVA-Med multi-turn conversation from a figure caption and its mentions',
  inputSchema: llavaMedInputSchema,
  responseFormat: 'user-assistant',
  generation: { temperature: 0, maxTokens: 1024 },
  system: llavaMedSystemMessage,
  renderQuery: renderLlavaMedQuery,
  examples,
});
