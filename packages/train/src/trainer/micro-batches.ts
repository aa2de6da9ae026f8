import { VlmError } from '@vlm/core';

/** How a global batch is split: `accumulation` micro-batches of `microBatchSize` samples each. */
export interface BatchPlan {
  globalBatchSize: number;
  microBatchSize: number;
  accumulation: number;
}

/**
 * Derives the micro-batch from the global batch: the largest divisor of `globalBatchSize` that is at
 * most `maxMicroBatchSize`, so every optimizer step sees exactly the global batch.
 */
export function planBatches(globalBatchSize: number, maxMicroBatchSize = globalBatchSize): BatchPlan {
  if (!Number.isInteger(globalBatchSize) || globalBatchSize < 1) {
    throw new VlmError('config_invalid', `global batch size must be a positive integer, got ${globalBatchSize}`, { location: { field: 'globalBatchSize' } });
  }
  if (!Number.isInteger(maxMicroBatchSize) || maxMicroBatchSize < 1) {
    throw new VlmError('config_invalid', `micro-batch size must be a positive integer, got ${maxMicroBatchSize}`, { location: { field: 'microBatchSize' } });
  }
  let micro = Math.min(globalBatchSize, maxMicroBatchSize);
  while (globalBatchSize % micro !== 0) micro--;
  return { globalBatchSize, microBatchSize: micro, accumulation: globalBatchSize / micro };
}
