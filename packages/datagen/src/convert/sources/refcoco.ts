import { z } from 'zod';

import type { ConverterDefinition } from '../convert-options';
import { formatRegionBox, normalizeXywhBox } from '../boxes';
import { firstJsonChar, readJsonElements } from '../io/read-json-elements';
import { boxToDescriptionQuestion, regionDescriptionAnswer, regionToBoxQuestion } from '../response-format';
import { isPickle, schemaReason, sourceRows } from './rows';

const imageSchema = z.looseObject({ id: z.number().int(), width: z.number().positive(), height: z.number().positive(), file_name: z.string().min(1) });
const annotationSchema = z.looseObject({ id: z.number().int(), image_id: z.number().int(), bbox: z.array(z.number()).length(4) });
const refSchema = z.looseObject({
  ref_id: z.union([z.number(), z.string()]),
  ann_id: z.number().int(),
  image_id: z.number().int(),
  split: z.string().min(1),
  sentences: z.array(z.looseObject({ sent: z.string() })),
});

/**
 * RefCOCO / RefCOCO+ / RefCOCOg. The `instances.json` of each set is COCO JSON (images with sizes,
 * annotations with `[x, y, w, h]` boxes). The expressions ship as a Python pickle (`refs(unc).p`,
 * `refs(umd).p`, ...), read directly (plain-data pickles only), or as the JSON export many pipelines
 * use, `json.dump(pickle.load(f))`: an array of refs (or `{"refs": [...]}`) with
 * `ref_id, ann_id, image_id, split, sentences[].sent`.
 * By default (`direction: 'mix'`) each expression is asked once, one way, drawn per expression with a
 * seed: description to box with probability `boxRatio` (default 0.5), else box to description answered
 * by that expression. That is the shape of LLaVA-1.5's released RefCOCO records: in the one quoted in
 * public code, 8 expressions of one image give 3 box questions and 5 description questions, and a box
 * with two expressions is described twice, once by each. `direction: 'both'` asks every expression for
 * its box and every referred object once for a description (one of its expressions, seeded), `box` and
 * `description` one way only. Boxes are fractions of the padded square unless `boxes: 'per-axis'`;
 * prompts and answers are written as upstream's (`...describes: left person.` -> `[0.17, 0.0, 0.5, 0.5]`,
 * `...for this region: [0.17, 0.0, 0.5, 0.5].` -> `Left person.`).
 */
export const refcocoConverter: ConverterDefinition = {
  name: 'refcoco',
  description: 'RefCOCO/RefCOCO+/RefCOCOg instances.json + refs(*).p (or its JSON export)',
  inputs: [
    { name: 'instances', description: 'instances.json of the RefCOCO set (COCO layout)' },
    { name: 'refs', description: 'refs(*).p, or its JSON export (array of refs)' },
  ],
  defaultMerge: true,
  imageTemplate: { default: 'train2014/{file_name}', fields: ['file_name', 'image_id'] },
  async *read(inputs, context) {
    const { issues, options } = context;
    const instances = inputs.instances!;
    const images = new Map<number, { width: number; height: number; file_name: string }>();
    const boxes = new Map<number, number[]>();
    for await (const event of readJsonElements(instances, [['images'], ['annotations']])) {
      const where = { file: instances, line: event.line, index: event.index };
      if (event.error !== undefined) {
        issues.add({ ...where, reason: event.error });
        continue;
      }
      const parsed = (event.target === 0 ? imageSchema : annotationSchema).safeParse(event.value);
      if (!parsed.success) {
        issues.add({ ...where, reason: `${event.target === 0 ? 'images' : 'annotations'}: ${schemaReason(parsed.error)}` });
        continue;
      }
      if (event.target === 0) {
        const im = parsed.data as z.output<typeof imageSchema>;
        images.set(im.id, { width: im.width, height: im.height, file_name: im.file_name });
      } else {
        const ann = parsed.data as z.output<typeof annotationSchema>;
        boxes.set(ann.id, ann.bbox);
      }
    }
    const refsFile = inputs.refs!;
    const path = !isPickle(refsFile) && (await firstJsonChar(refsFile)) === '{' ? ['refs'] : [];
    const split = options.split ?? 'train';
    const direction = options.direction ?? 'mix';
    const boxRatio = options.boxRatio ?? 0.5;
    for await (const row of sourceRows(refsFile, path, refSchema, issues)) {
      const ref = row.value;
      if (split !== 'all' && ref.split !== split) continue;
      const where = { file: refsFile, line: row.line, index: row.index, key: String(ref.ref_id) };
      const image = images.get(ref.image_id);
      const bbox = boxes.get(ref.ann_id);
      if (!image || !bbox) {
        issues.add({ ...where, reason: !image ? `image_id ${ref.image_id} is not in instances.json` : `ann_id ${ref.ann_id} is not in instances.json` });
        continue;
      }
      const box = normalizeXywhBox(bbox, image.width, image.height, options.boxes);
      const sentences = ref.sentences.map((s) => s.sent.trim()).filter(Boolean);
      if (!box || sentences.length === 0) {
        issues.add({ ...where, reason: !box ? `degenerate box ${JSON.stringify(bbox)}` : 'no expressions' });
        continue;
      }
      const path = context.imagePath('train2014/{file_name}', { file_name: image.file_name, image_id: ref.image_id });
      const boxText = formatRegionBox(box);
      const groupId = String(ref.image_id);
      if (direction === 'mix') {
        for (const [k, sent] of sentences.entries()) {
          const asBox = context.rng.fork(`ref direction ${ref.ref_id} ${k}`).next() < boxRatio;
          yield asBox
            ? { pair: { id: `${ref.ref_id}_box_${k}`, groupId, image: path, question: regionToBoxQuestion(sent), answer: boxText } }
            : { pair: { id: `${ref.ref_id}_desc_${k}`, groupId, image: path, question: boxToDescriptionQuestion(boxText), answer: regionDescriptionAnswer(sent) } };
        }
        continue;
      }
      if (direction !== 'description') {
        for (const [k, sent] of sentences.entries()) {
          yield { pair: { id: `${ref.ref_id}_box_${k}`, groupId, image: path, question: regionToBoxQuestion(sent), answer: boxText } };
        }
      }
      if (direction !== 'box') {
        const sent = context.rng.fork(`ref ${ref.ref_id}`).pick(sentences);
        yield { pair: { id: `${ref.ref_id}_desc`, groupId, image: path, question: boxToDescriptionQuestion(boxText), answer: regionDescriptionAnswer(sent) } };
      }
    }
  },
};
