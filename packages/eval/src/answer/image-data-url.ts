import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { VlmError } from '@vlm/core';

const MIME: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
};

/** Reads an image file into a base64 `data:` URL for the chat API's `image_url` part. */
export function imageDataUrl(path: string): string {
  const mime = MIME[extname(path).toLowerCase()];
  if (!mime) {
    throw new VlmError('image_unsupported_type', `Unsupported image type ${JSON.stringify(extname(path))}.`, {
      location: { file: path },
      hint: `Use one of ${Object.keys(MIME).join(', ')}.`,
    });
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new VlmError('image_unreadable', `Cannot read image: ${(error as Error).message}`, {
      location: { file: path },
      hint: 'Check --images (the image root) and the question\'s image path.',
      cause: error,
    });
  }
  return `data:${mime};base64,${bytes.toString('base64')}`;
}
