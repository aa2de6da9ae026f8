// Public API of @vlm/datagen. Each area has its own folder and index; add a line here per area.

/** Dataset converters (VQAv2, GQA, RefCOCO, PathVQA, ...) and mixtures. */
export * from './convert/index';
/** Quilt-LLaVA: instructions grounded by the narrator's cursor. */
export * from './quilt/index';
/** PathGen: retrieve, describe, revise and summarise pathology patches. */
export * from './pathgen/index';
/** The teacher engine: cached, resumable, rate-limit-aware OpenAI-compatible calls with cost accounting. */
export * from './teacher/index';
/** Crash-safe append-only JSONL files. */
export * from './jsonl/index';
/** Teacher-driven generation runs: resumable, crash-safe JSONL outputs and LLaVA JSON. */
export * from './generation/index';
/** LLaVA-Instruct and LLaVA-Med generation jobs (tasks + parsing/filtering into LLaVA records). */
export * from './jobs/index';
/** COCO annotation loading. */
export * from './coco/index';
/** Seeded synthetic scenes of coloured shapes with captions and boxes. */
export * from './scenes/index';
/** Naive expansion of (image, caption) pairs into one-turn LLaVA records. */
export * from './expand/index';
/** The rule-based symbolic teacher (offline conversations, descriptions, reasoning). */
export * from './symbolic-teacher/index';
/** OpenAI Batch API export, submission and import. */
export * from './batch/index';
/** Dataset-wide near-duplicate removal by normalised text. */
export * from './dedupe/index';
/** Dataset and generation-run statistics. */
export * from './stats/index';
