import { createScenes } from '@vlm/datagen/scenes';
import { describe, expect, it } from 'vitest';
import { patchLabelsOf, patchPrompts } from './patch-labels';

describe('patchLabelsOf', () => {
  const prompts = patchPrompts();

  it('has one prompt per colour, shape and region plus background', () => {
    expect(prompts[0]).toBe('background');
    expect(prompts.length).toBe(1 + 6 * 4 * 9);
    expect(new Set(prompts).size).toBe(prompts.length);
  });

  it('labels the patches under each object with its colour, shape and region, the rest background', () => {
    const scene = createScenes({ count: 1, seed: 4, size: 32, minObjects: 1, maxObjects: 1, objectScale: [0.4, 0.4] })[0]!;
    const o = scene.objects[0]!;
    const labels = patchLabelsOf(scene, 32, 8, prompts);
    expect(labels.length).toBe(16);
    const named = [...labels].map((l) => prompts[l]);
    const expected = named.filter((n) => n !== 'background');
    expect(expected.length).toBeGreaterThan(0);
    expect(new Set(expected).size).toBe(1);
    expect(expected[0]).toMatch(new RegExp(`^${o.colour} ${o.shape} `));
    // A patch is the object's only when the box covers at least a quarter of it.
    const [x1, y1, x2, y2] = o.box;
    for (let p = 0; p < 16; p++) {
      const px = (p % 4) * 8;
      const py = Math.floor(p / 4) * 8;
      const area = Math.max(0, Math.min(x2, px + 8) - Math.max(x1, px)) * Math.max(0, Math.min(y2, py + 8) - Math.max(y1, py));
      expect(named[p] !== 'background').toBe(area >= 16);
    }
  });
});
