import { createRng } from '@vlm/core';
import { describe, expect, it } from 'vitest';
import { ClipVisionModel } from '../models/clip-vision';
import { LlamaModel } from '../models/llama';
import { TINY_LM, TINY_VISION } from '../testing/tiny-models';
import { clipVisionParameterCount, estimateTrainingMemory, llamaParameterCount } from './estimate';

const SMOLLM_135M = {
  vocabSize: 49152, hiddenSize: 576, intermediateSize: 1536, numHiddenLayers: 30, numAttentionHeads: 9, numKeyValueHeads: 3,
  maxPositionEmbeddings: 2048, rmsNormEps: 1e-5, ropeTheta: 10000, tieWordEmbeddings: true,
};

describe('memory estimate', () => {
  it('parameter counts equal what the models allocate', () => {
    for (const cfg of [TINY_LM, { ...TINY_LM, tieWordEmbeddings: true, attentionBias: true, mlpBias: true }]) {
      const m = new LlamaModel(cfg, 'zeros');
      expect(llamaParameterCount(cfg)).toBe(m.params.count());
      m.params.dispose();
    }
    const v = new ClipVisionModel(TINY_VISION, createRng(0));
    expect(clipVisionParameterCount(TINY_VISION)).toBe(v.params.count());
    v.params.dispose();
  });

  it('SmolLM-135M has 134,515,008 parameters; CLIP ViT-L/14-336 has 303,507,456 in its vision tower', () => {
    expect(llamaParameterCount(SMOLLM_135M)).toBe(134_515_008);
    const vitL = { hiddenSize: 1024, intermediateSize: 4096, numHiddenLayers: 24, numAttentionHeads: 16, imageSize: 336, patchSize: 14, numChannels: 3, layerNormEps: 1e-5, hiddenAct: 'quick_gelu' as const };
    expect(clipVisionParameterCount(vitL)).toBe(303_507_456);
  });

  it('LoRA: gradients and Adam state of the adapters only, and the advice says so when full LM training is over budget', () => {
    // r 8 on every linear of SmolLM-135M: per layer r·(in + out) summed over q, k, v, o, gate, up, down.
    const hd = 64;
    const perLayer = 8 * ((576 + 9 * hd) + 2 * (576 + 3 * hd) + (9 * hd + 576) + 2 * (576 + 1536) + (1536 + 576));
    const loraParameters = 30 * perLayer;
    const lora = estimateTrainingMemory({ lm: SMOLLM_135M, connectorParameters: 1_000_000, loraParameters, trainable: { connector: true }, batchSize: 4, seqLength: 512 });
    const full = estimateTrainingMemory({ lm: SMOLLM_135M, connectorParameters: 1_000_000, trainable: { connector: true, lm: true }, batchSize: 4, seqLength: 512, budgetBytes: 2 ** 30 });
    expect(lora.parameters.lora).toBe(loraParameters);
    expect(lora.parameters.trainable).toBe(1_000_000 + loraParameters);
    expect(lora.bytes.gradients + lora.bytes.optimizer).toBe(3 * 4 * (1_000_000 + loraParameters));
    expect(full.bytes.gradients + full.bytes.optimizer).toBeGreaterThan(30 * (lora.bytes.gradients + lora.bytes.optimizer));
    expect(full.advice.join(' ')).toMatch(/train LoRA adapters instead/);
  });

  it('counts Adam state and gradients for trained parts only, and advises when over budget', () => {
    const stage1 = estimateTrainingMemory({ lm: SMOLLM_135M, connectorParameters: 1_000_000, trainable: { connector: true }, batchSize: 4, seqLength: 512 });
    expect(stage1.parameters.trainable).toBe(1_000_000);
    expect(stage1.bytes.gradients).toBe(4_000_000);
    expect(stage1.bytes.optimizer).toBe(8_000_000);
    const stage2 = estimateTrainingMemory({ lm: SMOLLM_135M, connectorParameters: 1_000_000, trainable: { connector: true, lm: true }, batchSize: 4, seqLength: 512, budgetBytes: 2 ** 30 });
    expect(stage2.bytes.total).toBeGreaterThan(stage1.bytes.total);
    expect(stage2.fits).toBe(false);
    expect(stage2.advice.join(' ')).toMatch(/micro-batch|freeze/);
  });
});
