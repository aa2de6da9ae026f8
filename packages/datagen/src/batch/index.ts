/** OpenAI Batch API: export requests as Batch JSONL within the per-file limits. */
export { exportBatch, batchFileLimits, type BatchManifest, type BatchInputFile, type ExportBatchOptions } from './export-batch';
/** Upload, create and poll batches (resumable: never submits a file twice); download results. */
export { submitBatches, readSubmissions, batchInputHashKey, type BatchSubmission, type SubmitBatchOptions } from './submit-batch';
/** SHA-256 of a file (how `submit` knows a Batch input file). */
export { fileSha256 } from './file-sha256';
/** Import Batch results into the teacher's cache, so a generation run parses them like live answers. */
export { importBatchResults, type BatchImportReport } from './import-batch';
