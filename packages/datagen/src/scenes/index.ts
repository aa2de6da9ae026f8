/** Seeded synthetic scenes of coloured shapes: layout, PNG rendering, captions, COCO export. */
export { generateScene, type GenerateSceneOptions } from './generate-scene';
export { renderScenePixels } from './render-scene-pixels';
export { renderScenePng } from './render-scene';
export { captionScene, regionOf, regionPhrase, objectPhrase, listPhrase, numberWord, article } from './describe-scene';
export { createScenes, type CaptionedScene, type SceneDatasetOptions } from './create-scenes';
export { writeSceneDataset, scenesToCoco } from './write-scenes';
export { shapeKinds, sceneColours, sceneBackgrounds, type ShapeKind, type NamedColour } from './palette';
export type { Scene, SceneObject } from './scene';
