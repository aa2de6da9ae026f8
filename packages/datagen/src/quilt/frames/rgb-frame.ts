import sharp from 'sharp';

import { VlmError } from '@vlm/core';

/** A decoded video frame: interleaved 8-bit RGB, `t` in seconds from the start of the video. */
export interface RgbFrame {
  width: number;
  height: number;
  data: Uint8Array;
  t: number;
  /** Where it was read from, for error messages and trace pictures. */
  source?: string;
}

/** Decodes an image file (PNG, JPEG, WebP, ...) into an RGB frame, dropping any alpha channel. */
export async function readRgbFrame(path: string, t: number): Promise<RgbFrame> {
  try {
    const { data, info } = await sharp(path).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length), t, source: path };
  } catch (error) {
    throw new VlmError('frame_unreadable', `cannot decode frame: ${(error as Error).message}`, {
      location: { file: path },
      hint: 'frames must be image files sharp can read (PNG, JPEG, WebP, TIFF)',
      cause: error,
    });
  }
}

/** Encodes an RGB frame as PNG (or JPEG when `quality` is given) into a buffer. */
export async function encodeRgbFrame(frame: Pick<RgbFrame, 'width' | 'height' | 'data'>, options: { jpegQuality?: number } = {}): Promise<Buffer> {
  const image = sharp(Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.length), {
    raw: { width: frame.width, height: frame.height, channels: 3 },
  });
  return options.jpegQuality === undefined ? image.png().toBuffer() : image.jpeg({ quality: options.jpegQuality }).toBuffer();
}
