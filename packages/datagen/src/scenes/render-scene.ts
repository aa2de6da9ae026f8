import sharp from 'sharp';

import { renderScenePixels } from './render-scene-pixels';
import type { Scene } from './scene';

/** Encodes a scene as a PNG file's bytes. */
export function renderScenePng(scene: Scene): Promise<Buffer> {
  return sharp(renderScenePixels(scene), { raw: { width: scene.width, height: scene.height, channels: 3 } }).png().toBuffer();
}
