import { isAbsolute, join, normalize } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ImageDecodes } from '@vlm/core';
import { type ImageFitMode, preprocessImage } from '../image/preprocess';
import { oneLine } from '../image/one-line';

/** Options of {@link ImageStore}. */
export interface ImageStoreOptions {
  /** Folder relative image paths are resolved in. */
  root?: string;
  size: number;
  mode?: ImageFitMode;
  mean?: readonly [number, number, number];
  std?: readonly [number, number, number];
}

/**
 * Decodes images with sharp once and keeps their normalised pixels, so every epoch after the first
 * costs no decoding (the demo's and small datasets' case).
 */
export class ImageStore {
  private readonly cache = new Map<string, Float32Array>();

  constructor(readonly options: ImageStoreOptions) {}

  private resolve(path: string): string {
    return this.options.root && !isAbsolute(path) ? join(this.options.root, path) : path;
  }

  /** Normalised CHW pixels of one image, its path relative to the root (cached by resolved path). */
  pixelsOf(path: string): Promise<Float32Array> {
    return this.pixelsAt(this.resolve(path));
  }

  private async pixelsAt(resolved: string): Promise<Float32Array> {
    const file = normalize(resolved);
    let px = this.cache.get(file);
    if (!px) {
      px = await preprocessImage(file, this.options);
      this.cache.set(file, px);
    }
    return px;
  }

  /**
   * Decodes one image, given by its resolved path as `validateDataset` passes it, now (keeping its
   * pixels for training) and answers why it cannot be decoded, or undefined: an `ImageDecodes`, so a
   * bad file is found before the first step.
   */
  readonly decodes: ImageDecodes = async (resolvedPath) => {
    try {
      await this.pixelsAt(resolvedPath);
      return undefined;
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : (error as Error);
      return `${resolvedPath} does not decode as an image (${oneLine(cause.message)}); replace the file or drop the row`;
    }
  };

  /** `[n, 3, size, size]` for the images, in order; undefined for none. */
  async batch(paths: readonly string[]): Promise<tf.Tensor4D | undefined> {
    if (paths.length === 0) return undefined;
    const size = this.options.size;
    const plane = 3 * size * size;
    const all = new Float32Array(paths.length * plane);
    for (const [i, p] of paths.entries()) all.set(await this.pixelsOf(p), i * plane);
    return tf.tensor4d(all, [paths.length, 3, size, size]);
  }
}
