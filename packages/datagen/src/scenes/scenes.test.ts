import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { loadCocoAnnotations } from '../coco/load-coco';
import { regionOf } from './describe-scene';
import { sceneColours } from './palette';
import { createScenes } from './create-scenes';
import { writeSceneDataset } from './write-scenes';

describe('synthetic scenes', () => {
  it('are reproducible from the seed and differ across seeds', () => {
    const a = createScenes({ count: 5, seed: 1 });
    expect(createScenes({ count: 5, seed: 1 })).toEqual(a);
    expect(createScenes({ count: 5, seed: 2 })).not.toEqual(a);
    // scene i depends on the seed and i only
    expect(createScenes({ count: 3, seed: 1 })).toEqual(a.slice(0, 3));
  });

  it('place distinct, non-overlapping shapes with consistent pixel and normalised boxes', () => {
    for (const scene of createScenes({ count: 40, seed: 3, size: 96, minObjects: 2, maxObjects: 5 })) {
      expect(scene.objects.length).toBeGreaterThanOrEqual(2);
      const names = scene.objects.map((o) => `${o.colour} ${o.shape}`);
      expect(new Set(names).size).toBe(names.length);
      for (const o of scene.objects) {
        expect(o.boxNormalised).toEqual(o.box.map((v) => v / 96));
        expect(o.box[2]).toBeLessThanOrEqual(96);
      }
      for (const [i, a] of scene.objects.entries()) {
        for (const b of scene.objects.slice(i + 1)) {
          const overlap = Math.min(a.box[2], b.box[2]) > Math.max(a.box[0], b.box[0]) && Math.min(a.box[3], b.box[3]) > Math.max(a.box[1], b.box[1]);
          expect(overlap).toBe(false);
        }
      }
    }
  });

  it('caption every object in five phrasings', () => {
    const [scene] = createScenes({ count: 1, seed: 5, minObjects: 3, maxObjects: 3 });
    expect(scene!.captions).toHaveLength(5);
    expect(new Set(scene!.captions).size).toBe(5);
    for (const caption of scene!.captions) for (const o of scene!.objects) expect(caption).toContain(`${o.colour} ${o.shape}`);
    expect(scene!.captions.some((c) => c.includes(regionOf(scene!.objects[0]!.boxNormalised)))).toBe(true);
  });

  it('write PNGs whose pixels show each shape in its colour, and COCO files the COCO loader reads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scenes-'));
    const scenes = await writeSceneDataset(dir, { count: 6, seed: 9, size: 64 });
    for (const scene of scenes) {
      const { data, info } = await sharp(readFileSync(join(dir, 'images', scene.image))).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([64, 64]);
      for (const o of scene.objects) {
        // the centre of the box is inside every shape kind
        const cx = Math.floor((o.box[0] + o.box[2]) / 2);
        const cy = Math.floor((o.box[1] + o.box[3]) / 2);
        const at = (cy * info.width + cx) * info.channels;
        expect([data[at], data[at + 1], data[at + 2]]).toEqual([...sceneColours.find((c) => c.name === o.colour)!.rgb]);
      }
    }
    const annotated = loadCocoAnnotations(join(dir, 'instances.json'), join(dir, 'captions.json'));
    expect(annotated).toHaveLength(6);
    expect(annotated[0]!.captions).toEqual(scenes[0]!.captions);
    expect(annotated[0]!.objects.map((o) => o.category)).toEqual(scenes[0]!.objects.map((o) => o.shape));
    expect(JSON.parse(readFileSync(join(dir, 'scenes.json'), 'utf8'))).toEqual(scenes);
  });
});
