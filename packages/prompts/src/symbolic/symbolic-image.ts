import { z } from 'zod';
import { VlmError } from '@vlm/core';
import { formatCoordinate } from './format-coordinate';
import { boxFormatSchema, imageSizeSchema, normaliseBox, type NormalisedBox } from './normalise-box';

/** One annotated object: a category name and its box in the input's `boxFormat`. */
export const symbolicObjectSchema = z.object({
  category: z.string().min(1),
  box: z.array(z.number()).length(4),
});
export type SymbolicObject = z.infer<typeof symbolicObjectSchema>;

/**
 * The symbolic image a text-only teacher sees instead of pixels: captions from several annotators and
 * optionally object boxes. `boxFormat` defaults to `normalised`; pixel and COCO boxes need `imageSize`.
 */
export const symbolicImageSchema = z.object({
  captions: z.array(z.string().trim().min(1)).min(1),
  objects: z.array(symbolicObjectSchema).default([]),
  boxFormat: boxFormatSchema.default('normalised'),
  imageSize: imageSizeSchema.optional(),
});
export type SymbolicImage = z.output<typeof symbolicImageSchema>;
export type SymbolicImageInput = z.input<typeof symbolicImageSchema>;

/** Options of {@link renderSymbolicImage}. */
export interface RenderSymbolicImageOptions {
  /** Add the box lines after a blank line (LLaVA's detail and complex-reasoning prompts). Default true. */
  includeBoxes?: boolean;
}

/** The normalised boxes of a symbolic image; throws a `VlmError` on the first bad box. */
export function normaliseObjects(image: SymbolicImageInput): Array<{ category: string; box: NormalisedBox }> {
  return normaliseParsedObjects(parseSymbolicImage(image));
}

function normaliseParsedObjects(parsed: SymbolicImage): Array<{ category: string; box: NormalisedBox }> {
  return parsed.objects.map((object, index) => ({
    category: object.category,
    box: normaliseBox(object.box, parsed.boxFormat, parsed.imageSize, { index, category: object.category }),
  }));
}

/** One box line: `category: [x1, y1, x2, y2]` with LLaVA's number format. */
export function formatBoxLine(category: string, box: NormalisedBox): string {
  return `${category}: [${box.map(formatCoordinate).join(', ')}]`;
}

/** The box lines of a symbolic image, one per object. */
export function renderBoxLines(image: SymbolicImageInput): string {
  return normaliseObjects(image)
    .map((o) => formatBoxLine(o.category, o.box))
    .join('\n');
}

/** The caption lines of a symbolic image (line breaks inside a caption become spaces). */
export function renderCaptionLines(image: Pick<SymbolicImageInput, 'captions'>): string {
  return image.captions.map((c) => c.replace(/\s*\n\s*/g, ' ').trim()).join('\n');
}

/**
 * Renders the symbolic image: the captions one per line, then (when there are boxes and `includeBoxes`)
 * a blank line and one `category: [x1, y1, x2, y2]` line per object, normalised to 0..1.
 */
export function renderSymbolicImage(image: SymbolicImageInput, options: RenderSymbolicImageOptions = {}): string {
  const parsed = parseSymbolicImage(image);
  const captions = renderCaptionLines(parsed);
  // Boxes are validated even when not shown, so a wrong format or image size never passes silently.
  const lines = normaliseParsedObjects(parsed).map((o) => formatBoxLine(o.category, o.box));
  if (options.includeBoxes === false || lines.length === 0) return captions;
  return `${captions}\n\n${lines.join('\n')}`;
}

function parseSymbolicImage(image: SymbolicImageInput): SymbolicImage {
  const result = symbolicImageSchema.safeParse(image);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new VlmError('symbolic_image_invalid', `Invalid symbolic image: ${issue?.message ?? 'unknown problem'}`, {
    location: { field: issue?.path.map(String).join('.') || undefined },
    hint: 'A symbolic image is { captions: string[] (at least one), objects?: [{ category, box: [4 numbers] }], boxFormat?, imageSize? }.',
  });
}
