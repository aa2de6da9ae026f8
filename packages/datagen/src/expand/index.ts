/** Naive expansion: (image, caption) pairs -> one-turn LLaVA records (LLaVA or LLaVA-Med form). */
export { expandCaptions, type ExpandOptions } from './expand-captions';
/** Reads (image, caption) pairs from LLaVA JSON, JSON/JSONL or CSV/TSV. */
export { readCaptionPairs, type CaptionPair, type CaptionPairFields } from './read-caption-pairs';
/** RFC 4180 CSV/TSV parsing. */
export { parseDelimited } from './parse-delimited';
