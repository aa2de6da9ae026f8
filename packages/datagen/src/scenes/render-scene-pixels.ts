import { VlmError } from '@vlm/core';

import { sceneBackgrounds, sceneColours } from './palette';
import type { Scene, SceneObject } from './scene';

function rgbOf(name: string): readonly [number, number, number] {
  const found = sceneColours.find((c) => c.name === name) ?? sceneBackgrounds.find((c) => c.name === name);
  if (!found) throw new VlmError('scene_colour_unknown', `Unknown scene colour ${JSON.stringify(name)}.`);
  return found.rgb;
}

/** Whether pixel centre (px, py) lies inside a shape drawn in its box. */
function inside(object: SceneObject, px: number, py: number): boolean {
  const [x1, y1, x2, y2] = object.box;
  const u = (px - x1) / (x2 - x1); // 0..1 across the box
  const v = (py - y1) / (y2 - y1);
  if (u < 0 || u >= 1 || v < 0 || v >= 1) return false;
  switch (object.shape) {
    case 'square':
      return true;
    case 'circle':
      return (u - 0.5) ** 2 + (v - 0.5) ** 2 <= 0.25;
    case 'diamond':
      return Math.abs(u - 0.5) + Math.abs(v - 0.5) <= 0.5;
    case 'triangle':
      // Apex at the top centre, base along the bottom edge.
      return Math.abs(u - 0.5) <= v / 2;
  }
}

/** Rasterises a scene into raw RGB pixels (row-major, 3 bytes per pixel). Browser-safe (no Buffer). */
export function renderScenePixels(scene: Scene): Uint8Array {
  const { width, height } = scene;
  const pixels = new Uint8Array(width * height * 3);
  const bg = rgbOf(scene.background);
  for (let i = 0; i < width * height; i++) pixels.set(bg, i * 3);
  for (const object of scene.objects) {
    const rgb = rgbOf(object.colour);
    const [x1, y1, x2, y2] = object.box;
    for (let y = Math.max(0, y1); y < Math.min(height, y2); y++) {
      for (let x = Math.max(0, x1); x < Math.min(width, x2); x++) {
        if (inside(object, x + 0.5, y + 0.5)) pixels.set(rgb, (y * width + x) * 3);
      }
    }
  }
  return pixels;
}
