import type { ShapeKind } from './palette';

/** One shape of a synthetic scene. */
export interface SceneObject {
  shape: ShapeKind;
  colour: string;
  /** `[x1, y1, x2, y2]` in pixels (x2, y2 exclusive). */
  box: [number, number, number, number];
  /** The same box normalised to 0..1 by the image size. */
  boxNormalised: [number, number, number, number];
}

/** A synthetic scene: size, background and shapes, everything needed to draw and describe it. */
export interface Scene {
  id: string;
  width: number;
  height: number;
  background: string;
  objects: SceneObject[];
}
