/** Runs teacher tasks into crash-safe, resumable JSONL outputs (samples, rejects, failures). */
export {
  runGeneration,
  generationFiles,
  type GenerationTask,
  type GenerationFiles,
  type GenerationProgress,
  type RunGenerationOptions,
  type AcceptOutcome,
  truncatedReason,
} from './run-generation';
/** samples.jsonl -> validated LLaVA JSON, written atomically. */
export { writeLlavaJson, readGeneratedRecords, writeJsonAtomic, type WriteLlavaJsonOptions } from './write-llava-json';
/** One run per output folder (a lock a killed run left behind is taken over). */
export { acquireRunLock } from './run-lock';
/** Progress line and end-of-run summary for CLIs. */
export { formatProgress, formatSummary, formatDuration } from './format-progress';
