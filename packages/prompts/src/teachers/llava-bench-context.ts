import { z } from 'zod';
import { renderSymbolicImage, symbolicImageSchema } from '../symbolic/symbolic-image';

/**
 * The textual stand-in for the image in LLaVA-Bench: a symbolic image (captions and boxes, COCO split)
 * or a ready-written context such as the in-the-wild split's detailed caption, kept verbatim.
 */
export const benchContextSchema = z.union([z.string().trim().min(1), symbolicImageSchema]);
export type BenchContextInput = z.input<typeof benchContextSchema>;

/** Renders the context: strings verbatim, symbolic images as captions, blank line, boxes. */
export function renderBenchContext(context: z.output<typeof benchContextSchema>): string {
  return typeof context === 'string' ? context : renderSymbolicImage(context);
}
