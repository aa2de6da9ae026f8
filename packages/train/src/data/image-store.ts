import { isAbsolute, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type ImageFitMode, preprocessImage } from '../image/preprocess';

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

  /** Normalised CHW pixels of one image. */
  async pixelsOf(path: string): Promise<Float32Array> {
    let px = this.cache.get(path);
    if (!px) {
      px = await preprocessImage(this.resolve(path), this.options);
      this.cache.set(path, px);
    }
    return px;
  }

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
