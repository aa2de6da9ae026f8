import type { Rng } from '@vlm/core';

import type { ConverterItem } from './assemble/qa-pair';
import type { BoxNormalization } from './boxes';
import type { ConversionIssue, IssueLog } from './issues';

/** Options every converter understands; a converter ignores the ones that do not apply to it. */
export interface ConvertOptions {
  /** Merge the questions about one image into one multi-turn record (default: per source, see `defaultMerge`). */
  merge?: boolean;
  /** Seed for turn order, sampled regions, caption prompts and image-token placement (default 0). */
  seed?: number | string;
  /** At most this many question-answer rounds per merged record; the rest start a new record. */
  maxTurns?: number;
  /** Prefix joined to every image path (for example `coco/train2017`). */
  imagePrefix?: string;
  /** Image path template overriding the source's default (fields listed per source, `{image_id:012}` pads). */
  imageTemplate?: string;
  /** Where `<image>` goes in the first human turn: `before` (LLaVA-1.5 default), `after` or seeded `random`. */
  imagePosition?: 'before' | 'after' | 'random';
  /** Append LLaVA-1.5's response-format prompts (default true). */
  responseFormat?: boolean;
  /**
   * Short-answer VQA (VQAv2, OK-VQA, GQA, OCR-VQA) merged per image: the response-format prompt on the
   * `first` question only (default, as LLaVA-1.5's released records) or on `every` question.
   */
  responseFormatTurns?: 'first' | 'every';
  /** Split to convert for sources whose file holds several (ScienceQA, OCR-VQA, RefCOCO; default `train`). */
  split?: string;
  /** A-OKVQA: multiple choice (`mc`, default) or the most frequent `direct` answer. ScienceQA: `explained` (default) or `letter`. */
  mode?: string;
  /**
   * Region sources: `mix` (default, as LLaVA-1.5: each expression or region phrase asked once, one way,
   * drawn with `boxRatio`), `both` (every expression to its box, and every object or region described),
   * `box` (expression to box) or `description` (box to description).
   */
  direction?: 'both' | 'box' | 'description' | 'mix';
  /** Region sources with `direction: 'mix'`: share of expressions asked as expression to box (default 0.5). */
  boxRatio?: number;
  /** Region sources: boxes as fractions of the padded square (`square`, default, as LLaVA-1.5) or of width and height (`per-axis`). */
  boxes?: BoxNormalization;
  /** Visual Genome: sample at most this many regions per image (seeded; default all). */
  maxRegionsPerImage?: number;
  /** TextCaps: captions kept per image (default 1, as LLaVA-1.5). */
  captionsPerImage?: number;
  /** TextCaps: brief-description instructions to pick from (seeded; default LLaVA-1.5's caption prompt). */
  captionPrompts?: readonly string[];
  /** SLAKE: question language kept (default `en`). */
  language?: string;
  /** Stop after this many source pairs (quick looks at huge files). */
  limit?: number;
  /** Called for each malformed source row as it is found. */
  onIssue?: (issue: ConversionIssue) => void;
}

/** What a converter gets besides its input files. */
export interface ConverterContext {
  options: ConvertOptions;
  issues: IssueLog;
  rng: Rng;
  /** Renders the image path from the source's default template (or the user's) and the prefix. */
  imagePath(defaultTemplate: string, fields: Record<string, string | number>): string;
}

/** One input file of a converter, as the CLI names it (`--questions`, `--annotations`, ...). */
export interface ConverterInput {
  name: string;
  description: string;
  optional?: boolean;
}

/** A dataset converter: its published input files and a reader turning them into pairs or records. */
export interface ConverterDefinition {
  name: string;
  description: string;
  inputs: readonly ConverterInput[];
  /** Whether questions about the same image are merged unless the user says otherwise. */
  defaultMerge: boolean;
  /** Fields the image path template may use, and the default template. */
  imageTemplate: { default: string; fields: readonly string[] };
  read(inputs: Record<string, string>, context: ConverterContext): AsyncIterable<ConverterItem>;
}
