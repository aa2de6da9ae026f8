import { createRng } from '@vlm/core';

import { captionScene } from './describe-scene';
import { generateScene, type GenerateSceneOptions } from './generate-scene';
import type { Scene } from './scene';

/** A scene with its captions and the path of its PNG (relative to the dataset folder's `images/`). */
export interface CaptionedScene extends Scene {
  /** Image path relative to the image root, e.g. `scene-000003.png`. */
  image: string;
  captions: string[];
}

/** Options of {@link createScenes} and {@link writeSceneDataset}. */
export interface SceneDatasetOptions extends GenerateSceneOptions {
  count: number;
  seed?: number;
}

/** Generates captioned scenes (no files); scene i depends only on the seed and i. */
export function createScenes(options: SceneDatasetOptions): CaptionedScene[] {
  const root = createRng(options.seed ?? 0);
  return Array.from({ length: options.count }, (_, i) => {
    const rng = root.fork(i);
    const id = `scene-${String(i).padStart(6, '0')}`;
    const scene = generateScene(id, rng.fork('layout'), options);
    return { ...scene, image: `${id}.png`, captions: captionScene(scene, rng.fork('captions')) };
  });
}

