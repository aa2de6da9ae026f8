// Public API of @vlm/core. Everything else is internal.

/** Constants shared with upstream LLaVA: ignore index, image token index and the image strings. */
export * from './constants';
/** Typed errors with a code, a location (file, row, id, field) and a hint; `formatError` for CLIs. */
export { VlmError, formatError, formatLocation, type ErrorLocation } from './errors/vlm-error';
/** The one seeded random generator behind every random choice. */
export { createRng, type Rng } from './random/rng';
/** zod schemas and parsing of the LLaVA dataset format. */
export {
  llavaTurnSchema,
  llavaRecordSchema,
  parseLlavaDataset,
  recordSchemaIssues,
  recordImages,
  DatasetSchemaError,
  type LlavaTurn,
  type LlavaRecord,
  type LlavaRecordInput,
  type DatasetIssue,
} from './schema/llava-record';

/** Conversation templates as validated data, and the registry users extend. */
export { templateSpecSchema, separatorStyleSchema, stopStringOf, type TemplateSpec, type TemplateSpecInput, type SeparatorStyle } from './templates/template-spec';
/** Look up, register, validate and list conversation templates. */
export { getTemplate, registerTemplate, listTemplates, parseTemplateSpec, BUILT_IN_TEMPLATE_NAMES } from './templates/registry';
/** Upstream LLaVA system messages. */
export { SYSTEM_HUMAN, SYSTEM_USER, SYSTEM_LLAVA_LLAMA_2 } from './templates/system-messages';
/** Formats a record with a template into prompt text and trained/untrained character spans. */
export { formatConversation, trainedText, type FormatOptions, type FormattedConversation, type ConversationRecord } from './format/format-conversation';
/** Character spans of a formatted prompt. */
export type { TextSpan, SpanRole, SpanPart } from './format/spans';
/** Moves `<image>` in a turn (front, keep, random side). */
export { placeImages, type ImagePlacement } from './format/image-placement';
/** Converters between LLaVA records, OpenAI chat messages and ShareGPT `{role, content}` records. */
export {
  toOpenAIMessages,
  fromOpenAIMessages,
  toShareGpt,
  fromShareGpt,
  type OpenAIChatMessage,
  type OpenAIContentPart,
  type ShareGptRecord,
} from './format/chat-messages';
/** The tokenizer interface and the factory that turns an engine into one. */
export { createSegmentTokenizer, type Tokenizer, type TokenizerEngine, type SpecialTokenOptions } from './tokenizers/tokenizer';
/** Any Hugging Face tokenizer.json (parsed object). */
export { createHfTokenizer, type TokenizerJson, type HfTokenizerOptions } from './tokenizers/hf-tokenizer';
/** The bundled LLaMA-2 / Vicuna tokenizer, and the same as a tokenizer.json object. */
export { loadLlama2Tokenizer, llama2TokenizerJson } from './tokenizers/llama2-tokenizer';
/** A byte-level tokenizer for tiny models. */
export { createByteTokenizer } from './tokenizers/byte-tokenizer';
/** Train a small LLaMA-style BPE tokenizer.json on a domain corpus. */
export { trainBpeTokenizer, type TrainBpeOptions } from './tokenizers/train-bpe';
/** GPT-2's byte <-> unicode table of ByteLevel BPE vocabularies (also CLIP's). */
export { byteLevelEncoder, byteLevelDecoder } from './tokenizers/byte-level-table';
/** Tokenizes a formatted conversation into input ids, labels (from spans) and attention mask. */
export { tokenizeConversation, type TokenizeOptions, type TokenizedConversation } from './masks/tokenize-conversation';
/** Truncation modes and the report of what was dropped. */
export type { TruncationMode, TruncationReport } from './masks/truncate';
/** Raised when tokens do not spell the formatted text. */
export { TokenAlignmentError } from './masks/align-tokens';
/** Shows which tokens are trained, for a terminal or HTML. */
export { renderMask, type RenderMaskOptions, type MaskFormat } from './masks/render-mask';
/** Right-padded batches and sequence packing. */
export { collate, type Batch, type CollateOptions, type CollatableSequence } from './batch/collate';
export { packSequences, type PackedRow } from './batch/pack';
/** Dataset validation listing every bad row. */
export { validateDataset, type ValidateOptions, type ValidationReport, type ImageExists, type ImageDecodes } from './validate/validate-dataset';
/** Resolves an image path inside an image root (undefined when it escapes). */
export { resolveImagePath } from './validate/image-paths';
