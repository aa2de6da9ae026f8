import { z } from 'zod';

import type { ConverterDefinition } from '../convert-options';
import { BRIEF_CAPTION_PROMPT } from '../response-format';
import { jsonRows } from './rows';

const rowSchema = z.looseObject({
  image_id: z.string().min(1),
  caption_id: z.union([z.number(), z.string()]).optional(),
  caption_str: z.string().min(1),
});

/**
 * TextCaps (`TextCaps_0.1_<split>.json`, one row per caption under `data`): each kept caption answers a
 * brief-description instruction. LLaVA-1.5 keeps one caption per image; `captionsPerImage` changes that.
 */
export const textcapsConverter: ConverterDefinition = {
  name: 'textcaps',
  description: 'TextCaps JSON ({"data": [{image_id, caption_str, ...}]}), captions as brief descriptions',
  inputs: [{ name: 'captions', description: 'TextCaps_0.1_<split>.json' }],
  defaultMerge: false,
  imageTemplate: { default: 'train_images/{image_id}.jpg', fields: ['image_id'] },
  async *read(inputs, context) {
    const perImage = context.options.captionsPerImage ?? 1;
    const prompts = context.options.captionPrompts?.length ? context.options.captionPrompts : [BRIEF_CAPTION_PROMPT];
    const seen = new Map<string, number>();
    for await (const row of jsonRows(inputs.captions!, ['data'], rowSchema, context.issues)) {
      const c = row.value;
      const count = seen.get(c.image_id) ?? 0;
      if (count >= perImage) continue;
      seen.set(c.image_id, count + 1);
      const id = count === 0 ? c.image_id : `${c.image_id}_${count}`;
      yield {
        pair: {
          id,
          groupId: c.image_id,
          image: context.imagePath('train_images/{image_id}.jpg', { image_id: c.image_id }),
          question: context.rng.fork(id).pick(prompts),
          answer: c.caption_str.trim(),
        },
      };
    }
  },
};
