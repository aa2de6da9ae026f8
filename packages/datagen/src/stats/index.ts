/** Dataset statistics (records, rounds, words, placement, prompts, teachers) and generation-run statistics. */
export { datasetStats, generationRunStats, type DatasetStats, type GenerationRunStats } from './dataset-stats';
