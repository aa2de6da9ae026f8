import { renderScenePixels, type Scene } from '@vlm/datagen/scenes';
import { CLIP_IMAGE_MEAN, CLIP_IMAGE_STD } from '@vlm/train';

/**
 * A scene as the vision tower sees it: rasterised with @vlm/datagen's renderer (the pixels the Node
 * demo writes to PNG), then normalised with CLIP's mean and std into CHW floats. The demo's scenes are
 * already square at the encoder's size, so LLaVA's pad-to-square and the resize leave them unchanged.
 */
export function scenePixels(scene: Scene, mean = CLIP_IMAGE_MEAN, std = CLIP_IMAGE_STD): Float32Array {
  const rgb = renderScenePixels(scene);
  const plane = scene.width * scene.height;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) out[c * plane + p] = ((rgb[p * 3 + c] as number) / 255 - (mean[c] as number)) / (std[c] as number);
  }
  return out;
}
