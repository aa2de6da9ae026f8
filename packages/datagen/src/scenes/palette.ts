/** The shapes a synthetic scene can hold. */
export type ShapeKind = 'circle' | 'square' | 'triangle' | 'diamond';

/** Every shape kind. */
export const shapeKinds: readonly ShapeKind[] = ['circle', 'square', 'triangle', 'diamond'];

/** A named colour (sRGB 0..255). */
export interface NamedColour {
  name: string;
  rgb: readonly [number, number, number];
}

/** Colours far enough apart that a small vision encoder can tell them apart. */
export const sceneColours: readonly NamedColour[] = [
  { name: 'red', rgb: [220, 40, 40] },
  { name: 'green', rgb: [40, 170, 60] },
  { name: 'blue', rgb: [40, 80, 220] },
  { name: 'yellow', rgb: [235, 210, 40] },
  { name: 'purple', rgb: [140, 50, 170] },
  { name: 'orange', rgb: [245, 140, 30] },
];

/** Background colours (light, so every shape colour stands out). */
export const sceneBackgrounds: readonly NamedColour[] = [
  { name: 'white', rgb: [250, 250, 250] },
  { name: 'light gray', rgb: [215, 215, 215] },
];
