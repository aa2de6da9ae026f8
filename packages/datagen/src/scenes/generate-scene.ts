import { VlmError, type Rng } from '@vlm/core';

import { sceneBackgrounds, sceneColours, shapeKinds, type ShapeKind } from './palette';
import type { Scene, SceneObject } from './scene';

/** Options of {@link generateScene}. */
export interface GenerateSceneOptions {
  /** Image side in pixels (square images; default 128). */
  size?: number;
  minObjects?: number;
  maxObjects?: number;
  shapes?: readonly ShapeKind[];
  colours?: readonly string[];
  /** Object side as a fraction of the image side (default [0.15, 0.35]). */
  objectScale?: [number, number];
  /** Largest allowed intersection-over-union between two shapes (default 0). */
  maxOverlap?: number;
}

function iou(a: SceneObject['box'], b: SceneObject['box']): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  const area = (box: SceneObject['box']) => (box[2] - box[0]) * (box[3] - box[1]);
  return inter / (area(a) + area(b) - inter);
}

/**
 * Draws a scene at random from a seeded generator: 1..N shapes of distinct colour/shape pairs placed
 * without overlapping, so counts, colours and positions in its captions are unambiguous.
 */
export function generateScene(id: string, rng: Rng, options: GenerateSceneOptions = {}): Scene {
  const size = options.size ?? 128;
  if (!Number.isInteger(size) || size < 16) throw new VlmError('scene_size_invalid', `Scene size must be an integer >= 16, got ${size}.`);
  const minObjects = options.minObjects ?? 1;
  const maxObjects = options.maxObjects ?? 4;
  const shapes = options.shapes ?? shapeKinds;
  const colours = options.colours ?? sceneColours.map((c) => c.name);
  const [minScale, maxScale] = options.objectScale ?? [0.15, 0.35];
  const maxOverlap = options.maxOverlap ?? 0;
  const wanted = minObjects + rng.int(maxObjects - minObjects + 1);
  const objects: SceneObject[] = [];
  const used = new Set<string>();
  for (let attempt = 0; objects.length < wanted && attempt < wanted * 50; attempt++) {
    const shape = rng.pick(shapes);
    const colour = rng.pick(colours);
    if (used.has(`${colour} ${shape}`)) continue;
    const side = Math.max(6, Math.round(size * (minScale + rng.next() * (maxScale - minScale))));
    const x1 = rng.int(size - side + 1);
    const y1 = rng.int(size - side + 1);
    const box: SceneObject['box'] = [x1, y1, x1 + side, y1 + side];
    if (objects.some((o) => iou(o.box, box) > maxOverlap)) continue;
    used.add(`${colour} ${shape}`);
    objects.push({ shape, colour, box, boxNormalised: [box[0] / size, box[1] / size, box[2] / size, box[3] / size] });
  }
  return { id, width: size, height: size, background: rng.pick(sceneBackgrounds).name, objects };
}
