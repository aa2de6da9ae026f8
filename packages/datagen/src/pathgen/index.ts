// Public API of the PathGen area of @vlm/datagen: retrieve, describe, revise and summarise patches.

/** Tissue mask: saturation / brightness test per pixel. */
export { tissueFraction, type TissueMaskOptions } from './tiling/tissue-mask';
/** Tiling of large images into tissue patches (sharp), and cutting one patch. */
export { tileImage, readPatch, type Patch, type TilingOptions } from './tiling/tile-image';
/** Embedders: an OpenAI-compatible embeddings endpoint or user functions. */
export { openAiEmbedder, functionEmbedder, l2Normalise, type Embedder, type OpenAiEmbedderOptions } from './retrieval/embedder';
/** Ranking patches by prompt similarity (max or sum). */
export { rankPatches, type RankMode } from './retrieval/rank-patches';
/** Diversity sampling: seeded k-means, equal draws per cluster up to a cap. */
export { sampleDiverse, type DiverseSampleOptions } from './retrieval/diverse-sample';
/** Description agent: a vision chat call with the patch as a data URL. */
export { describePatch, imageDataUrl } from './agents/describe-patch';
/** Invertible text edits. */
export { applyEdit, invertEdit, type TextEdit } from './revision/text-edit';
/** Error injection (addition, deletion, modification) with recorded inverses. */
export { injectErrors, proposeError, repairText, sentenceSpans, type ErrorKind, type InjectedError, type RevisionPair } from './revision/inject-errors';
export { MODIFICATION_SWAPS, ADDITION_SENTENCES } from './revision/error-vocabulary';
/** Revise agent call. */
export { reviseDescription } from './revision/revise-description';
/** CLIP's byte-level BPE tokenizer, loaded from a tokenizer.json. */
export { createClipTokenizer, parseClipTokenizerJson, loadClipTokenizer, cleanClipText, type ClipTokenizer } from './summarise/clip-tokenizer';
/** Word-boundary truncation to a token budget. */
export { truncateToBudget } from './summarise/fit-token-budget';
/** Summarise agent under the CLIP token budget (retry, then truncate). */
export { summariseWithinBudget, type BudgetedSummary, type SummariseOptions } from './summarise/summarise';
/** Retrieval stage for one slide, and the resumable pipeline. */
export { selectPatches, type SlideInput, type SelectedPatch, type SelectPatchesOptions } from './pipeline/select-patches';
export { runPathgenPipeline, type PathgenPipelineOptions, type PathgenPipelineResult, type PathgenPair } from './pipeline/run-pathgen-pipeline';
