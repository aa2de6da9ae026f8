// `@vlm/datagen/scenes`: the synthetic scenes and the symbolic teacher, browser-safe (no sharp, fs or
// Buffer), for the shapes demo and the playground. PNG encoding and dataset writing stay in the main entry.

/** Seeded synthetic scenes of coloured shapes: layout, raw RGB pixels, captions. */
export { generateScene, type GenerateSceneOptions } from './generate-scene';
export { renderScenePixels } from './render-scene-pixels';
export { captionScene, regionOf, regionPhrase, objectPhrase, listPhrase, numberWord, article } from './describe-scene';
export { createScenes, type CaptionedScene, type SceneDatasetOptions } from './create-scenes';
export { shapeKinds, sceneColours, sceneBackgrounds, type ShapeKind, type NamedColour } from './palette';
export type { Scene, SceneObject } from './scene';
/** Rule-based teacher: conversations, descriptions and reasoning from boxes and categories. */
export * from '../symbolic-teacher/index';
