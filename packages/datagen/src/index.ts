// Public API of @vlm/datagen. Each area has its own folder and index; add a line here per area.

/** Dataset converters (VQAv2, GQA, RefCOCO, PathVQA, ...) and mixtures. */
export * from './convert/index';
/** Quilt-LLaVA: instructions grounded by the narrator's cursor. */
export * from './quilt/index';
/** PathGen: retrieve, describe, revise and summarise pathology patches. */
export * from './pathgen/index';
