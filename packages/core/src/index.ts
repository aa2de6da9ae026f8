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
