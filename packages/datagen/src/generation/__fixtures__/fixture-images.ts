import type { AnnotatedImage } from '../../coco/load-coco';

/** Small COCO-like annotated images; every fifth caption is leaky, every seventh garbled, every sixth repeats a question. */
export function fixtureImages(count: number): AnnotatedImage[] {
  return Array.from({ length: count }, (_, i) => {
    const tag = i % 5 === 4 ? 'leaky ' : i % 7 === 6 ? 'garbled ' : i % 6 === 5 ? 'dup ' : '';
    return {
      id: String(1000 + i),
      fileName: `images/${1000 + i}.png`,
      width: 200,
      height: 100,
      captions: [`A ${tag}red square number ${i}`, `Shape ${i} on a white background`],
      objects: [{ category: 'square', box: [10 + i, 20, 30, 40] }],
    };
  });
}
