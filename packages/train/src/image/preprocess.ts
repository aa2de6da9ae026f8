import * as tf from '@tensorflow/tfjs';
import { VlmError } from '@vlm/core';
import sharp from 'sharp';
import { CLIP_IMAGE_MEAN, CLIP_IMAGE_STD } from '../models/clip-vision';

/** How an image becomes a square encoder input. */
export type ImageFitMode =
  /** LLaVA-1.5 `expand2square`: pad to a square with the mean colour, then resize. */
  | 'pad'
  /** CLIP's processor: resize the shortest side, then centre-crop. */
  | 'crop';

/** Options of {@link preprocessImage}. */
export interface PreprocessOptions {
  /** Encoder input size (224, 336 ...). */
  size: number;
  mode?: ImageFitMode;
  /** Per-channel mean and std of the encoder (CLIP's by default). */
  mean?: readonly [number, number, number];
  std?: readonly [number, number, number];
}

/** An image path or encoded bytes; `name` is what errors report for bytes. */
export type ImageSource = string | { bytes: Uint8Array; name: string };

/**
 * Decodes a JPEG/PNG/WebP/TIFF/GIF image and returns normalised pixels `[3, size, size]` (CHW,
 * PyTorch layout). Alpha is dropped, greyscale is expanded to RGB. Every failure names the file.
 */
export async function preprocessImage(source: ImageSource, options: PreprocessOptions): Promise<Float32Array> {
  const name = typeof source === 'string' ? source : source.name;
  const input = typeof source === 'string' ? source : source.bytes;
  const mean = options.mean ?? CLIP_IMAGE_MEAN;
  const std = options.std ?? CLIP_IMAGE_STD;
  const size = options.size;
  try {
    let image = sharp(input, { failOn: 'error' }).removeAlpha().toColourspace('srgb');
    if ((options.mode ?? 'pad') === 'pad') {
      const meta = await sharp(input).metadata();
      const { width = 0, height = 0 } = meta;
      const side = Math.max(width, height);
      // Same placement as PIL's paste at ((side - w) // 2, (side - h) // 2), background int(mean·255).
      const left = Math.floor((side - width) / 2);
      const top = Math.floor((side - height) / 2);
      const background = { r: Math.floor(mean[0] * 255), g: Math.floor(mean[1] * 255), b: Math.floor(mean[2] * 255) };
      const padded = await image.extend({ top, bottom: side - height - top, left, right: side - width - left, background }).raw().toBuffer({ resolveWithObject: true });
      image = sharp(padded.data, { raw: { width: padded.info.width, height: padded.info.height, channels: padded.info.channels } });
    }
    const { data, info } = await image.resize(size, size, { fit: 'cover', position: 'centre', kernel: 'cubic' }).raw().toBuffer({ resolveWithObject: true });
    const channels = info.channels;
    const out = new Float32Array(3 * size * size);
    const plane = size * size;
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) {
        const v = (data[p * channels + (channels >= 3 ? c : 0)] as number) / 255;
        out[c * plane + p] = (v - (mean[c] as number)) / (std[c] as number);
      }
    }
    return out;
  } catch (error) {
    if (error instanceof VlmError) throw error;
    throw new VlmError('image_decode', `cannot read image ${name}: ${(error as Error).message}`, {
      location: { file: name },
      hint: 'check that the file exists and is a JPEG, PNG, WebP or TIFF image',
      cause: error,
    });
  }
}

/** Preprocesses several images into one batch `[n, 3, size, size]`. */
export async function preprocessImages(sources: readonly ImageSource[], options: PreprocessOptions): Promise<tf.Tensor4D> {
  const size = options.size;
  const all = new Float32Array(sources.length * 3 * size * size);
  for (const [i, s] of sources.entries()) all.set(await preprocessImage(s, options), i * 3 * size * size);
  return tf.tensor4d(all, [sources.length, 3, size, size]);
}
