// Test-only: tiny towers for composition and generation tests.
import { createRng } from '@vlm/core';
import { ClipVisionModel, type ClipVisionConfig } from '../models/clip-vision';
import { type LlamaConfig, LlamaModel } from '../models/llama';

export const TINY_LM: LlamaConfig = {
  vocabSize: 20, hiddenSize: 16, intermediateSize: 32, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2,
  maxPositionEmbeddings: 128, rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: false, initializerRange: 0.3,
};

export const TINY_VISION: ClipVisionConfig = {
  hiddenSize: 8, intermediateSize: 16, numHiddenLayers: 2, numAttentionHeads: 2, imageSize: 8, patchSize: 4,
  numChannels: 3, layerNormEps: 1e-5, hiddenAct: 'quick_gelu', initializerRange: 0.3,
};

export function tinyLm(seed = 1): LlamaModel {
  return new LlamaModel(TINY_LM, createRng(seed));
}

export function tinyVision(seed = 2): ClipVisionModel {
  return new ClipVisionModel(TINY_VISION, createRng(seed));
}
