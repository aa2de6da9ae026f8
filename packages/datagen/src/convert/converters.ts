import type { ConverterDefinition } from './convert-options';
import { aokvqaConverter } from './sources/a-okvqa';
import { gqaConverter } from './sources/gqa';
import { pathVqaConverter, slakeConverter, vqaRadConverter } from './sources/medical-vqa';
import { ocrVqaConverter } from './sources/ocr-vqa';
import { pmcVqaConverter } from './sources/pmc-vqa';
import { refcocoConverter } from './sources/refcoco';
import { scienceQaConverter } from './sources/scienceqa';
import { shareGptConverter } from './sources/sharegpt';
import { textcapsConverter } from './sources/textcaps';
import { textvqaConverter } from './sources/textvqa';
import { visualGenomeConverter } from './sources/visual-genome';
import { okvqaConverter, vqav2Converter } from './sources/vqav2';

/** Every dataset converter, by the name the CLI and `convertDataset` use. */
export const converters = {
  vqav2: vqav2Converter,
  gqa: gqaConverter,
  okvqa: okvqaConverter,
  aokvqa: aokvqaConverter,
  ocrvqa: ocrVqaConverter,
  textvqa: textvqaConverter,
  textcaps: textcapsConverter,
  scienceqa: scienceQaConverter,
  refcoco: refcocoConverter,
  'refcoco+': { ...refcocoConverter, name: 'refcoco+', description: 'RefCOCO+ (same layout as refcoco)' },
  refcocog: { ...refcocoConverter, name: 'refcocog', description: 'RefCOCOg (same layout as refcoco; use split val for umd)' },
  vg: visualGenomeConverter,
  pathvqa: pathVqaConverter,
  vqarad: vqaRadConverter,
  slake: slakeConverter,
  pmcvqa: pmcVqaConverter,
  sharegpt: shareGptConverter,
} satisfies Record<string, ConverterDefinition>;

/** Name of a registered dataset converter. */
export type SourceName = keyof typeof converters;
