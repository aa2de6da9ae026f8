import * as tf from '@tensorflow/tfjs-core';

/** Default memory for cached frozen-vision features of one stage: 256 MiB. */
export const DEFAULT_VISION_FEATURE_CACHE_BYTES = 256 * 1024 * 1024;

/**
 * The frozen vision tower's features per image, kept for the rest of a stage: while the tower does not
 * train, an image's features are the same every epoch, so its forward pass runs once per image instead
 * of once per step it appears in. Images are added until `maxBytes` is reached (later ones are computed
 * every time; a stage visits its images in a shuffled order, so evicting would not pay).
 */
export class VisionFeatureCache {
  private readonly rows = new Map<string, Float32Array>();
  private rowShape: [number, number] | undefined;
  private bytes = 0;
  /** Images served from the cache / computed, for the stage summary and tests. */
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes = DEFAULT_VISION_FEATURE_CACHE_BYTES) {}

  /** Features `[n, tokens, width]` of `images` (in order), or undefined unless every one is cached. */
  batch(images: readonly string[]): tf.Tensor3D | undefined {
    if (images.length === 0 || !this.rowShape || images.some((k) => !this.rows.has(k))) return undefined;
    const [tokens, width] = this.rowShape;
    const values = new Float32Array(images.length * tokens * width);
    images.forEach((k, i) => values.set(this.rows.get(k) as Float32Array, i * tokens * width));
    this.hits += images.length;
    return tf.tensor3d(values, [images.length, tokens, width]);
  }

  /** Keeps the features `[n, tokens, width]` computed for `images` while there is room. */
  store(images: readonly string[], features: tf.Tensor3D): void {
    this.misses += images.length;
    const [n, tokens, width] = features.shape;
    if (n !== images.length) throw new Error(`vision features for ${n} images, ${images.length} keys`);
    if (this.rowShape && (this.rowShape[0] !== tokens || this.rowShape[1] !== width)) return;
    const rowBytes = tokens * width * 4;
    if (this.bytes + rowBytes > this.maxBytes || images.every((k) => this.rows.has(k))) return;
    this.rowShape = [tokens, width];
    const values = features.dataSync() as Float32Array;
    images.forEach((k, i) => {
      if (this.rows.has(k) || this.bytes + rowBytes > this.maxBytes) return;
      this.rows.set(k, values.slice(i * tokens * width, (i + 1) * tokens * width));
      this.bytes += rowBytes;
    });
  }

  /** Bytes held. */
  get size(): number {
    return this.bytes;
  }
}
