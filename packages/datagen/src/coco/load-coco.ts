import { readFileSync } from 'node:fs';

import { VlmError } from '@vlm/core';

/** One image with what a text-only teacher gets to see of it: captions and boxes (COCO pixels). */
export interface AnnotatedImage {
  /** COCO image id, as a string. */
  id: string;
  /** Image path relative to the image root (`file_name`). */
  fileName: string;
  width: number;
  height: number;
  captions: string[];
  /** Boxes as COCO `[x, y, width, height]` in pixels. */
  objects: Array<{ category: string; box: [number, number, number, number] }>;
}

interface CocoFile {
  images?: Array<{ id: number | string; file_name: string; width: number; height: number }>;
  annotations?: Array<{ image_id: number | string; category_id?: number; bbox?: number[]; caption?: string; iscrowd?: number }>;
  categories?: Array<{ id: number; name: string }>;
}

function readCoco(path: string): CocoFile {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new VlmError('coco_unreadable', `Cannot read COCO annotations: ${(error as Error).message}`, {
      location: { file: path },
      hint: 'Pass instances_*.json / captions_*.json files from the COCO annotations archive.',
    });
  }
  if (typeof data !== 'object' || data === null || !Array.isArray((data as CocoFile).images) || !Array.isArray((data as CocoFile).annotations)) {
    throw new VlmError('coco_invalid', 'Not a COCO annotation file (needs "images" and "annotations" arrays).', { location: { file: path } });
  }
  return data as CocoFile;
}

/**
 * Joins COCO instances (boxes + categories) and captions files into one record per image that has
 * at least one caption, in the order of the captions file's images. Crowd boxes are skipped, as LLaVA did.
 */
export function loadCocoAnnotations(instancesPath: string | undefined, captionsPath: string): AnnotatedImage[] {
  const captionsFile = readCoco(captionsPath);
  const images = new Map<string, AnnotatedImage>();
  for (const image of captionsFile.images ?? []) {
    images.set(String(image.id), { id: String(image.id), fileName: image.file_name, width: image.width, height: image.height, captions: [], objects: [] });
  }
  (captionsFile.annotations ?? []).forEach((annotation, row) => {
    const image = images.get(String(annotation.image_id));
    if (!image) throw new VlmError('coco_unknown_image', `Caption refers to image ${annotation.image_id}, which the file does not list.`, { location: { file: captionsPath, row, field: 'image_id' } });
    if (typeof annotation.caption === 'string' && annotation.caption.trim()) image.captions.push(annotation.caption.trim());
  });
  if (instancesPath) {
    const instances = readCoco(instancesPath);
    const categories = new Map((instances.categories ?? []).map((c) => [c.id, c.name]));
    (instances.annotations ?? []).forEach((annotation, row) => {
      if (annotation.iscrowd) return;
      const image = images.get(String(annotation.image_id));
      if (!image) return; // instances cover images without captions too
      const category = categories.get(annotation.category_id ?? -1);
      const box = annotation.bbox;
      if (!category || !Array.isArray(box) || box.length !== 4) {
        throw new VlmError('coco_bad_instance', 'Instance without a known category or a 4-number bbox.', { location: { file: instancesPath, row } });
      }
      image.objects.push({ category, box: box as [number, number, number, number] });
    });
  }
  return [...images.values()].filter((image) => image.captions.length > 0);
}
