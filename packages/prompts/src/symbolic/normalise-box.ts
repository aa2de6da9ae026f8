import { z } from 'zod';
import { VlmError } from '@vlm/core';

/**
 * How a box's four numbers are meant:
 * - `normalised`: `[x1, y1, x2, y2]` already in 0..1 (top-left, bottom-right);
 * - `pixel`: `[x1, y1, x2, y2]` in pixels, needs the image size;
 * - `coco`: COCO's `[x, y, width, height]` in pixels, needs the image size.
 */
export const boxFormatSchema = z.enum(['normalised', 'pixel', 'coco']);
export type BoxFormat = z.infer<typeof boxFormatSchema>;

/** Width and height of an image in pixels. */
export const imageSizeSchema = z.object({ width: z.number().positive(), height: z.number().positive() });
export type ImageSize = z.infer<typeof imageSizeSchema>;

/** A box as `[x1, y1, x2, y2]` normalised to 0..1. */
export type NormalisedBox = [number, number, number, number];

/** Where a box came from, for error messages. */
export interface BoxContext {
  /** Index of the object in its list. */
  index?: number;
  category?: string;
}

function boxError(code: string, message: string, context: BoxContext, hint: string): VlmError {
  const where = context.index === undefined ? 'box' : `objects[${context.index}].box`;
  const label = context.category === undefined ? '' : ` (${context.category})`;
  return new VlmError(code, `${message}${label}`, { location: { field: where }, hint });
}

/**
 * Converts one box to normalised `[x1, y1, x2, y2]`. A box outside the image or with a negative size is
 * an error, never clipped: a wrong box format or image size would otherwise pass silently.
 */
export function normaliseBox(
  box: readonly number[],
  format: BoxFormat,
  imageSize?: ImageSize,
  context: BoxContext = {},
): NormalisedBox {
  if (box.length !== 4 || box.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw boxError('box_invalid', `A box needs four finite numbers, got ${JSON.stringify(box)}`, context, 'Write boxes as [x1, y1, x2, y2] (or [x, y, w, h] for COCO).');
  }
  const [a, b, c, d] = box as [number, number, number, number];
  let x1 = a;
  let y1 = b;
  let x2 = format === 'coco' ? a + c : c;
  let y2 = format === 'coco' ? b + d : d;
  if (format === 'coco' ? c < 0 || d < 0 : x2 < x1 || y2 < y1) {
    throw boxError('box_negative_size', `Box ${JSON.stringify(box)} has a negative size in ${format} format`, context, format === 'coco' ? 'COCO boxes are [x, y, width, height] with width, height >= 0.' : 'Boxes are [x1, y1, x2, y2] with x2 >= x1 and y2 >= y1; for [x, y, w, h] use boxFormat "coco".');
  }
  if (format !== 'normalised') {
    if (imageSize === undefined) {
      throw boxError('box_image_size_missing', `Pixel boxes need the image size to be normalised`, context, 'Pass imageSize: { width, height } with pixel or COCO boxes.');
    }
    x1 /= imageSize.width;
    x2 /= imageSize.width;
    y1 /= imageSize.height;
    y2 /= imageSize.height;
  }
  if (x1 < 0 || y1 < 0 || x2 > 1 || y2 > 1) {
    const size = imageSize === undefined ? '' : ` of a ${imageSize.width}x${imageSize.height} image`;
    throw boxError('box_outside_image', `Box ${JSON.stringify(box)} (${format}) lies outside the image${size}`, context, format === 'normalised' ? 'Normalised coordinates must lie in 0..1; pixel boxes need boxFormat "pixel" or "coco" and the image size.' : 'Check the box format (pixel [x1, y1, x2, y2] vs COCO [x, y, w, h]) and the image size.');
  }
  return [x1, y1, x2, y2];
}
