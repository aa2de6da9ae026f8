import { type CaptionedScene, regionOf, sceneColours, shapeKinds } from '@vlm/datagen/scenes';
import { answerSpace } from './questions';

/** Region-text prompts for the per-patch contrastive term: `<colour> <shape> <region>` and `background`. */
export function patchPrompts(): string[] {
  const out = ['background'];
  for (const c of sceneColours) for (const s of shapeKinds) for (const r of answerSpace('position', 1)) out.push(`${c.name} ${s} ${r}`);
  return out;
}

/**
 * The prompt index of every patch (row-major grid): the object whose box covers most of the patch
 * (at least a quarter of it), described with its colour, shape and region; otherwise `background`.
 */
export function patchLabelsOf(scene: CaptionedScene, imageSize: number, patchSize: number, prompts: readonly string[]): Int32Array {
  const index = new Map(prompts.map((p, i) => [p, i]));
  const g = imageSize / patchSize;
  const labels = new Int32Array(g * g);
  for (let py = 0; py < g; py++) {
    for (let px = 0; px < g; px++) {
      let best = 0;
      let label = 0;
      for (const o of scene.objects) {
        const [x1, y1, x2, y2] = o.boxNormalised.map((v) => v * imageSize) as [number, number, number, number];
        const w = Math.min(x2, (px + 1) * patchSize) - Math.max(x1, px * patchSize);
        const h = Math.min(y2, (py + 1) * patchSize) - Math.max(y1, py * patchSize);
        const area = w > 0 && h > 0 ? w * h : 0;
        if (area > best && area >= (patchSize * patchSize) / 4) {
          best = area;
          label = index.get(`${o.colour} ${o.shape} ${regionOf(o.boxNormalised)}`) ?? 0;
        }
      }
      labels[py * g + px] = label;
    }
  }
  return labels;
}
