import { z } from 'zod';

import type { ConverterDefinition } from '../convert-options';
import { formatRegionBox, normalizeXywhBox } from '../boxes';
import { boxToDescriptionQuestion, regionDescriptionAnswer, regionToBoxQuestion } from '../response-format';
import { jsonRows } from './rows';

const imageSchema = z.looseObject({
  image_id: z.number().int().optional(),
  id: z.number().int().optional(),
  width: z.number().positive(),
  height: z.number().positive(),
  url: z.string().optional(),
});
const regionSchema = z.looseObject({
  region_id: z.number().int(),
  x: z.number(),
  y: z.number(),
  width: z.number(),
  height: z.number(),
  phrase: z.string(),
});
const rowSchema = z.looseObject({ id: z.number().int(), regions: z.array(z.unknown()) });

/**
 * Visual Genome `region_descriptions.json` (an array of `{id, regions: [{region_id, x, y, width, height,
 * phrase}]}`), with image sizes and folders (`VG_100K` or `VG_100K_2`, from `url`) from `image_data.json`.
 * By default (`direction: 'mix'`) each region is asked one way, as LLaVA-1.5's released records mix
 * both: description to box with probability `boxRatio` (default 0.5, seeded per region), else box to
 * description. `both`, `box` and `description` ask every region both ways or one way. Boxes are fractions
 * of the padded square unless `boxes: 'per-axis'`. `maxRegionsPerImage` samples regions with a per-image seed.
 */
export const visualGenomeConverter: ConverterDefinition = {
  name: 'vg',
  description: 'Visual Genome region_descriptions.json + image_data.json',
  inputs: [
    { name: 'regions', description: 'region_descriptions.json' },
    { name: 'images', description: 'image_data.json (sizes and folders)' },
  ],
  defaultMerge: true,
  imageTemplate: { default: '{folder}/{image_id}.jpg', fields: ['folder', 'image_id'] },
  async *read(inputs, context) {
    const { issues, options } = context;
    const meta = new Map<number, { width: number; height: number; folder: string }>();
    for await (const row of jsonRows(inputs.images!, [], imageSchema, issues)) {
      const im = row.value;
      const id = im.image_id ?? im.id;
      if (id === undefined) {
        issues.add({ file: inputs.images!, line: row.line, index: row.index, reason: 'no image_id' });
        continue;
      }
      const folder = /\/(VG_100K(?:_2)?)\//.exec(im.url ?? '')?.[1] ?? 'VG_100K';
      meta.set(id, { width: im.width, height: im.height, folder });
    }
    const file = inputs.regions!;
    const direction = options.direction ?? 'mix';
    const boxRatio = options.boxRatio ?? 0.5;
    const max = options.maxRegionsPerImage && options.maxRegionsPerImage > 0 ? options.maxRegionsPerImage : Infinity;
    for await (const row of jsonRows(file, [], rowSchema, issues)) {
      const imageId = row.value.id;
      const where = { file, line: row.line, index: row.index, key: String(imageId) };
      const im = meta.get(imageId);
      if (!im) {
        issues.add({ ...where, reason: `image ${imageId} is not in image_data.json` });
        continue;
      }
      const image = context.imagePath('{folder}/{image_id}.jpg', { folder: im.folder, image_id: imageId });
      let regions = row.value.regions;
      if (regions.length > max) regions = context.rng.fork(`vg ${imageId}`).shuffle(regions).slice(0, max);
      for (const raw of regions) {
        const parsed = regionSchema.safeParse(raw);
        const region = parsed.success ? parsed.data : undefined;
        const box = region ? normalizeXywhBox([region.x, region.y, region.width, region.height], im.width, im.height, options.boxes) : undefined;
        const phrase = region?.phrase.trim();
        if (!region || !box || !phrase) {
          issues.add({ ...where, reason: `region ${region?.region_id ?? '?'}: ${!region ? 'not a region object' : !box ? 'degenerate box' : 'empty phrase'}` });
          continue;
        }
        const boxText = formatRegionBox(box);
        const groupId = String(imageId);
        const askBox = direction === 'mix' ? context.rng.fork(`vg direction ${region.region_id}`).next() < boxRatio : direction !== 'description';
        const askDescription = direction === 'mix' ? !askBox : direction !== 'box';
        if (askDescription) yield { pair: { id: `${region.region_id}_desc`, groupId, image, question: boxToDescriptionQuestion(boxText), answer: regionDescriptionAnswer(phrase) } };
        if (askBox) yield { pair: { id: `${region.region_id}_box`, groupId, image, question: regionToBoxQuestion(phrase), answer: boxText } };
      }
    }
  },
};
