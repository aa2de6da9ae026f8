import { VlmError } from '@vlm/core';

/**
 * Fills an image path template: `{image_id}` inserts a field, `{image_id:012}` zero-pads it to 12 digits
 * (COCO file names). Unknown fields are an error naming the fields that exist.
 */
export function fillImageTemplate(template: string, fields: Record<string, string | number>): string {
  return template.replace(/\{([a-zA-Z_]+)(?::0(\d+))?\}/g, (_, name: string, width?: string) => {
    const value = fields[name];
    if (value === undefined) {
      throw new VlmError('image_template_field', `The image path template uses {${name}}, which this dataset does not provide.`, {
        location: { field: 'imageTemplate' },
        hint: `Available fields: ${Object.keys(fields).map((f) => `{${f}}`).join(', ')}.`,
      });
    }
    const text = String(value);
    return width ? text.padStart(Number(width), '0') : text;
  });
}

/** Joins an optional prefix (for example `coco/train2017`) and a relative path with one `/`. */
export function withImagePrefix(prefix: string | undefined, path: string): string {
  if (!prefix) return path;
  return `${prefix.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
