import type { Tokenizer } from '@vlm/core';
import type { LlavaModelSpec } from '@vlm/train';
import type { DemoPreset } from './demo-preset';

/** The model spec the demo builds (`vlm-train demo` and the playground alike) for a preset and its tokenizer. */
export function demoModelSpec(p: DemoPreset, tokenizer: Tokenizer): LlavaModelSpec {
  return {
    vision: {
      hiddenSize: p.vision.hiddenSize, intermediateSize: p.vision.intermediateSize, numHiddenLayers: p.vision.layers, numAttentionHeads: p.vision.heads,
      imageSize: p.imageSize, patchSize: p.patchSize, numChannels: 3, layerNormEps: 1e-5, hiddenAct: 'quick_gelu', initializerRange: 0.05,
    },
    lm: {
      vocabSize: tokenizer.vocabSize, hiddenSize: p.lm.hiddenSize, intermediateSize: p.lm.intermediateSize, numHiddenLayers: p.lm.layers,
      numAttentionHeads: p.lm.heads, numKeyValueHeads: p.lm.heads, maxPositionEmbeddings: 1024, rmsNormEps: 1e-6, ropeTheta: 10000,
      tieWordEmbeddings: true, initializerRange: 0.05, bosTokenId: tokenizer.bosId, eosTokenId: tokenizer.eosId,
    },
    connector: { type: 'mlp2x_gelu', inputDim: p.vision.hiddenSize, outputDim: p.lm.hiddenSize },
    image: { mode: 'pad' },
    featureSelection: { layer: p.featureLayer, select: 'patch' },
  };
}
