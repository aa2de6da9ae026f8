import type { ImageDecodes } from '@vlm/core';
import sharp from 'sharp';
import { oneLine } from './one-line';

/**
 * Decodes a whole image file with sharp (the decoder training uses) and answers why it cannot be
 * decoded, or undefined when it can. A 0-byte, truncated or non-image file fails here, not mid-training.
 * Pass it to `validateDataset({ imageDecodes })`.
 */
export const sharpImageDecodes: ImageDecodes = async (path) => {
  try {
    await sharp(path, { failOn: 'error' }).raw().toBuffer();
    return undefined;
  } catch (error) {
    return `${path} does not decode as an image (${oneLine((error as Error).message)}); replace the file or drop the row`;
  }
};
