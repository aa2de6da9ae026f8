import * as tf from '@tensorflow/tfjs-core';
import '@vlm/connectors'; // registers the cpu backend and tfjs-core's gradients (see its tfjs-runtime)
import { VlmError } from '@vlm/core';
import sharp from 'sharp';
import { CLIP_IMAGE_MEAN, CLIP_IMAGE_STD } from '../models/clip-vision';
import { pilResizeBicubic, shortestEdgeSize } from './pil-resize';

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
 * PyTorch layout). Alpha is dropped, greyscale is expanded to RGB. Resizing is Pillow's bicubic on the
 * shortest edge followed by a centre crop, so the pixels equal what transformers' CLIPImageProcessor
 * gives (`pad` first pads to a square, as LLaVA-1.5). Every failure names the file.
 */
export async function preprocessImage(source: ImageSource, options: PreprocessOptions): Promise<Float32Array> {
  const name = typeof source === 'string' ? source : source.name;
  const input = typeof source === 'string' ? source : source.bytes;
  const mean = options.mean ?? CLIP_IMAGE_MEAN;
  const std = options.std ?? CLIP_IMAGE_STD;
  const size = options.size;
  try {
    // decoded to 8-bit RGB; resizing then follows transformers' CLIPImageProcessor exactly (PIL bicubic)
    const decoded = await sharp(input, { failOn: 'error' }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    let pixels: Uint8Array = decoded.data;
    let width = decoded.info.width;
    let height = decoded.info.height;
    const channels0 = decoded.info.channels;
    if ((options.mode ?? 'pad') === 'pad') {
      // LLaVA-1.5 expand2square: PIL paste at ((side - w) // 2, (side - h) // 2) on int(mean·255)
      const side = Math.max(width, height);
      const left = Math.floor((side - width) / 2);
      const top = Math.floor((side - height) / 2);
      const padded = new Uint8Array(side * side * channels0);
      for (let p = 0; p < side * side; p++) for (let c = 0; c < channels0; c++) padded[p * channels0 + c] = Math.floor((mean[Math.min(c, 2)] as number) * 255);
      for (let y = 0; y < height; y++) padded.set(pixels.subarray(y * width * channels0, (y + 1) * width * channels0), ((y + top) * side + left) * channels0);
      pixels = padded;
      width = side;
      height = side;
    }
    // shortest edge -> size (PIL bicubic), then the centre crop, as CLIPImageProcessor
    const target = shortestEdgeSize(width, height, size);
    const resized = pilResizeBicubic(pixels, width, height, channels0, target.width, target.height);
    const top = Math.floor((target.height - size) / 2);
    const left = Math.floor((target.width - size) / 2);
    const data = new Uint8Array(size * size * channels0);
    for (let y = 0; y < size; y++) data.set(resized.subarray(((y + top) * target.width + left) * channels0, ((y + top) * target.width + left + size) * channels0), y * size * channels0);
    const channels = channels0;
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
