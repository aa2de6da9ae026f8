import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { writeJsonAtomic } from '../generation/write-llava-json';
import { type CaptionedScene, type SceneDatasetOptions, createScenes } from './create-scenes';
import { renderScenePng } from './render-scene';

/** COCO-format instances and captions files of scenes (category = shape), for the COCO-driven jobs. */
export function scenesToCoco(scenes: readonly CaptionedScene[]): { instances: unknown; captions: unknown } {
  const categoryNames = [...new Set(scenes.flatMap((s) => s.objects.map((o) => o.shape)))].sort();
  const categories = categoryNames.map((name, i) => ({ id: i + 1, name, supercategory: 'shape' }));
  const images = scenes.map((s, i) => ({ id: i + 1, file_name: s.image, width: s.width, height: s.height }));
  let annotationId = 0;
  const instances = scenes.flatMap((s, i) =>
    s.objects.map((o) => {
      const [x1, y1, x2, y2] = o.box;
      return { id: ++annotationId, image_id: i + 1, category_id: categoryNames.indexOf(o.shape) + 1, bbox: [x1, y1, x2 - x1, y2 - y1], area: (x2 - x1) * (y2 - y1), iscrowd: 0, attributes: { colour: o.colour } };
    }),
  );
  const captions = scenes.flatMap((s, i) => s.captions.map((caption) => ({ id: ++annotationId, image_id: i + 1, caption })));
  return { instances: { images, annotations: instances, categories }, captions: { images, annotations: captions } };
}

/**
 * Writes a synthetic scene dataset: `images/*.png`, `scenes.json` (captions, pixel and normalised
 * boxes, colours) and COCO `instances.json` / `captions.json`. Returns the scenes.
 */
export async function writeSceneDataset(outDir: string, options: SceneDatasetOptions): Promise<CaptionedScene[]> {
  const scenes = createScenes(options);
  const imageDir = join(outDir, 'images');
  mkdirSync(imageDir, { recursive: true });
  for (const scene of scenes) writeFileSync(join(imageDir, scene.image), await renderScenePng(scene));
  writeJsonAtomic(join(outDir, 'scenes.json'), scenes);
  const coco = scenesToCoco(scenes);
  writeJsonAtomic(join(outDir, 'instances.json'), coco.instances);
  writeJsonAtomic(join(outDir, 'captions.json'), coco.captions);
  return scenes;
}
