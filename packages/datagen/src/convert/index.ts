// Public API of the dataset converters and mixtures of @vlm/datagen.

/** Convert one dataset's published files into LLaVA JSON; the converter registry and its types. */
export { convertDataset, getConverter, type ConversionReport } from './convert-dataset';
export { converters, type SourceName } from './converters';
export type { ConvertOptions, ConverterContext, ConverterDefinition, ConverterInput } from './convert-options';
/** Pairs and records as converters produce them, and how pairs are merged into multi-turn records. */
export type { QaPair, ConverterItem, PairFields } from './assemble/qa-pair';
export { assembleRecords, pairsToRecord, type AssembleOptions, type AssembleCounts } from './assemble/assemble-records';
/** Malformed source rows: what was skipped, where and why. */
export { IssueLog, formatIssue, type ConversionIssue } from './issues';
/** LLaVA-1.5 response-format prompts and the question layouts built with them. */
export {
  SHORT_ANSWER_PROMPT,
  MULTIPLE_CHOICE_PROMPT,
  BRIEF_CAPTION_PROMPT,
  REGION_TO_BOX_PROMPT,
  BOX_TO_DESCRIPTION_PROMPT,
  shortAnswerQuestion,
  regionToBoxQuestion,
  boxToDescriptionQuestion,
  regionDescriptionAnswer,
  multipleChoiceQuestion,
  optionLetter,
} from './response-format';
/** Normalised `[x1, y1, x2, y2]` boxes (padded square by default, as LLaVA-1.5), printed as Python's `round(x, 2)`. */
export { normalizeXywhBox, formatRegionBox, type NormalizedBox, type BoxNormalization } from './boxes';
/** ScienceQA question and answer layouts used by its converter. */
export { scienceQaQuestion, scienceQaAnswer } from './sources/scienceqa';
/** Streaming readers: JSON container elements, CSV rows; and the validating LLaVA writer. */
export { readJsonElements, readSmallJson, type ReadJsonElementsOptions } from './io/read-json-elements';
export { JsonElementScanner, type JsonElementEvent } from './io/json-element-scanner';
export { readCsvRows, type CsvRow } from './io/read-csv-rows';
export { LlavaWriter, outputFormatFor, type LlavaOutputFormat } from './io/llava-writer';
/** Mixtures: weights or caps per source, de-duplication, seeded shuffle, statistics as JSON and Markdown. */
export { mixDatasets, dedupeKey, type MixOptions, type MixResult } from './mix/mix-datasets';
export { createTokenCounter, type TokenCounter, type TokenCounterOptions } from './mix/token-counter';
export { planMixture, type MixSource } from './mix/mix-plan';
export { mixStatsMarkdown, type MixStats, type MixSourceStats } from './mix/mix-stats';
export { readRecordFile } from './io/read-records';
/** Plain-data Python pickles (protocols 0-5), as RefCOCO and PathVQA publish their question files. */
export { parsePickle, readPickle } from './io/read-pickle';
