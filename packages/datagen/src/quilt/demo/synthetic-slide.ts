import type { Rng } from '@vlm/core';

/** A region of the synthetic slide the narrator talks about, in pixels. */
export interface SlideRegion {
  name: string;
  cx: number;
  cy: number;
  rx: number;
  ry: number;
}

/**
 * Paints an H&E-like slide: pink stroma with texture, scattered purple nuclei, and dense nuclear
 * clusters inside the given regions. Deterministic for a given generator.
 */
export function paintSlide(width: number, height: number, regions: readonly SlideRegion[], rng: Rng, palette: { stroma: [number, number, number]; nucleus: [number, number, number] }): Uint8Array {
  const image = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const x = p % width;
    const y = (p - x) / width;
    // Fibrous texture: low-frequency stripes plus fine noise, so the background is not flat.
    const fibre = 10 * Math.sin(x * 0.05 + Math.sin(y * 0.03) * 3) + 6 * Math.sin(y * 0.11 + x * 0.02);
    const noise = (rng.next() - 0.5) * 10;
    image[p * 3] = clamp(palette.stroma[0] + fibre + noise);
    image[p * 3 + 1] = clamp(palette.stroma[1] + fibre * 0.6 + noise);
    image[p * 3 + 2] = clamp(palette.stroma[2] + fibre * 0.8 + noise);
  }
  const nucleus = (cx: number, cy: number, r: number) => {
    const shade = (rng.next() - 0.5) * 30;
    for (let y = Math.floor(cy - r); y <= Math.ceil(cy + r); y++) {
      for (let x = Math.floor(cx - r * 1.3); x <= Math.ceil(cx + r * 1.3); x++) {
        if (x < 0 || y < 0 || x >= width || y >= height) continue;
        if (((x - cx) / (r * 1.3)) ** 2 + ((y - cy) / r) ** 2 > 1) continue;
        const i = (y * width + x) * 3;
        image[i] = clamp(palette.nucleus[0] + shade);
        image[i + 1] = clamp(palette.nucleus[1] + shade * 0.5);
        image[i + 2] = clamp(palette.nucleus[2] + shade);
      }
    }
  };
  const scattered = Math.round((width * height) / 1800);
  for (let n = 0; n < scattered; n++) nucleus(rng.next() * width, rng.next() * height, 2 + rng.next() * 2);
  for (const region of regions) {
    const count = Math.round((region.rx * region.ry) / 40);
    for (let n = 0; n < count; n++) {
      const angle = rng.next() * Math.PI * 2;
      const radius = Math.sqrt(rng.next());
      nucleus(region.cx + Math.cos(angle) * radius * region.rx, region.cy + Math.sin(angle) * radius * region.ry, 3 + rng.next() * 3);
    }
  }
  return image;
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}
