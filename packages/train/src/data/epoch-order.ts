import { createRng } from '@vlm/core';

/** Where a run is in its data: the epoch and the global batch inside it. */
export interface DataPosition {
  epoch: number;
  batch: number;
}

/** The sample order of an epoch: a shuffle drawn from the seed and the epoch number only. */
export function epochOrder(sampleCount: number, seed: number, epoch: number): number[] {
  return createRng(seed).fork(`epoch-${epoch}`).shuffle(Array.from({ length: sampleCount }, (_, i) => i));
}

/** Global batches per epoch (an incomplete last batch is dropped so every step has the same size). */
export function batchesPerEpoch(sampleCount: number, globalBatchSize: number): number {
  return Math.floor(sampleCount / globalBatchSize);
}

/** Data position of optimizer step `step` (0-based). */
export function positionOfStep(step: number, perEpoch: number): DataPosition {
  return { epoch: Math.floor(step / perEpoch), batch: step % perEpoch };
}
