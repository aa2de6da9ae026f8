import { normaliseBox } from '@vlm/prompts';

import type { AnnotatedImage } from '../coco/load-coco';
import type { CaptionedScene } from '../scenes/create-scenes';

/** One object as the symbolic teacher reads it. */
export interface SymbolicSceneObject {
  category: string;
  /** Colour name when known (synthetic scenes); COCO objects have none. */
  colour?: string;
  /** `[x1, y1, x2, y2]` normalised to 0..1. */
  box: [number, number, number, number];
}

/** What the rule-based teacher needs: an id, an image path, objects with normalised boxes. */
export interface SymbolicScene {
  id: string;
  image?: string;
  background?: string;
  objects: SymbolicSceneObject[];
}

/** A synthetic scene as a symbolic scene (category = shape, with colours). */
export function symbolicSceneFromScene(scene: CaptionedScene): SymbolicScene {
  return {
    id: scene.id,
    image: scene.image,
    background: scene.background,
    objects: scene.objects.map((o) => ({ category: o.shape, colour: o.colour, box: [...o.boxNormalised] })),
  };
}

/** A COCO-annotated image as a symbolic scene (boxes normalised by the image size). */
export function symbolicSceneFromCoco(image: AnnotatedImage): SymbolicScene {
  return {
    id: image.id,
    image: image.fileName,
    objects: image.objects.map((o, index) => ({
      category: o.category,
      box: normaliseBox(o.box, 'coco', { width: image.width, height: image.height }, { index, category: o.category }),
    })),
  };
}
