import type { Tokenizer } from '@vlm/core';
import type { ModelSpec, StageSpecInput } from '@vlm/train';
import { type DemoPreset, fullDemoPreset, tinyDemoPreset } from './demo-preset';
import { demoModelSpec } from './demo-model-spec';

/** The connectors the shoot-out compares, in table order. */
export const shootoutConnectors = ['linear', 'mlp2x_gelu', 'qformer', 'perceiver', 'flamingo'] as const;
/** One of {@link shootoutConnectors}. */
export type ShootoutConnector = (typeof shootoutConnectors)[number];

/** How each connector reaches the LM, as the table names it. */
export const connectorLabels: Record<ShootoutConnector, string> = {
  linear: 'linear (LLaVA)',
  mlp2x_gelu: 'mlp2x_gelu (LLaVA-1.5)',
  qformer: 'Q-Former (BLIP-2)',
  perceiver: 'Perceiver resampler (LLaVA splice)',
  flamingo: 'Perceiver + gated xattn (Flamingo)',
};

/** Sizes and schedules of a connector shoot-out: the demo's world and towers, plus per-connector settings. */
export interface ShootoutPreset {
  /** World, towers, tokenizer, vision and LM pretraining, stage-1 alignment and the instruction mix: the demo's. */
  demo: DemoPreset;
  /** Text-only chat stage of the shared LM (the instruction records without their images), so frozen-LM recipes know the answer format. */
  lmChat: { steps: number; batchSize: number; learningRate: number };
  /** BLIP-2 stage 1 (ITC + ITM + ITG on the captions, Q-Former only). */
  qformerStage1: { steps: number; batchSize: number; learningRate: number };
  /** Stage 2: the same number of steps and batch for every connector. */
  stage2: { steps: number; batchSize: number };
  /** Learning rates of stage 2 per trained module kind: a connector (projector, Q-Former, resampler, xattn) and the LM where the recipe trains it. */
  lr: { connector: number; lm: number };
  /** Q-Former / Perceiver size (queries = latents = image tokens of the resamplers). */
  resampler: { queries: number; layers: number; heads: number };
  /** Said at the top of the reports. */
  notice?: string;
}

/** The shoot-out behind `vlm-train demo --compare-connectors`: sized for about 30 minutes on 2 CPU cores. */
export const fullShootoutPreset: ShootoutPreset = {
  // the shoot-out keeps the 2,000 contrastive steps its published table was measured with
  demo: { ...fullDemoPreset, testScenes: 120, contrastive: { ...fullDemoPreset.contrastive, steps: 2000 } },
  lmChat: { steps: 150, batchSize: 16, learningRate: 2e-3 },
  qformerStage1: { steps: 200, batchSize: 32, learningRate: 1e-3 },
  stage2: { steps: 600, batchSize: 16 },
  lr: { connector: 2e-3, lm: 1e-3 },
  resampler: { queries: 16, layers: 2, heads: 4 },
};

/** A seconds-long shoot-out of the same pipeline, for tests (not expected to learn). */
export const tinyShootoutPreset: ShootoutPreset = {
  demo: tinyDemoPreset,
  lmChat: { steps: 2, batchSize: 8, learningRate: 2e-3 },
  qformerStage1: { steps: 2, batchSize: 4, learningRate: 1e-3 },
  stage2: { steps: 3, batchSize: 8 },
  lr: { connector: 2e-3, lm: 1e-3 },
  resampler: { queries: 4, layers: 1, heads: 2 },
  notice:
    'This was a quick run: a few training steps per connector in seconds, to check that the whole shoot-out runs. It is not expected to learn, so accuracies near 0 % or chance are normal here. The full shoot-out (vlm-train demo --compare-connectors without --quick) is the one that measures.',
};

/**
 * The model of one connector on the shared towers. The LM vocabulary has one id more than the
 * tokenizer for every connector (Flamingo's `<image>` media token), so all five share one LM.
 */
export function shootoutModelSpec(connector: ShootoutConnector, p: ShootoutPreset, tokenizer: Tokenizer): ModelSpec {
  const base = demoModelSpec(p.demo, tokenizer);
  const lm = { ...base.lm, vocabSize: tokenizer.vocabSize + 1 };
  const v = p.demo.vision.hiddenSize;
  const w = p.demo.lm.hiddenSize;
  const r = p.resampler;
  const perceiver = { type: 'perceiver' as const, dim: v, depth: r.layers, heads: r.heads, dimHead: v / r.heads, numLatents: r.queries, ffMult: 2 };
  if (connector === 'linear') return { ...base, lm, connector: { type: 'linear', inputDim: v, outputDim: w } };
  if (connector === 'mlp2x_gelu') return { ...base, lm };
  if (connector === 'perceiver') return { ...base, lm, connector: { ...perceiver, outputDim: w } };
  if (connector === 'qformer') {
    // BLIP-2's own feature selection (last layer with the class token, after ln_vision).
    return {
      architecture: 'blip2', vision: base.vision, lm, image: base.image,
      connector: { type: 'qformer', hiddenSize: v, numLayers: r.layers, numHeads: r.heads, intermediateSize: 2 * v, encoderWidth: v, numQueries: r.queries, crossAttentionFrequency: 1, dropout: 0, outputDim: w },
      qformerText: { vocabSize: tokenizer.vocabSize, maxLength: 32, embedDim: 32 },
    };
  }
  return {
    architecture: 'flamingo', vision: base.vision, lm, image: base.image, connector: perceiver, featureSelection: base.featureSelection,
    crossAttention: { every: 1, heads: r.heads, dimHead: w / r.heads, ffMult: 2, onlyAttendImmediateMedia: true, mediaTokenId: tokenizer.vocabSize },
  };
}

/**
 * Each connector's upstream recipe: LLaVA (linear, mlp2x_gelu, and the Perceiver as a LLaVA
 * resampler) aligns the connector alone, then trains connector + LM; BLIP-2 trains the Q-Former alone
 * on ITC + ITM + ITG, then the Q-Former and its projection with the LM frozen; Flamingo trains the
 * resampler and the gated cross-attention with vision tower and LM frozen, in one stage.
 */
export function shootoutStages(connector: ShootoutConnector, p: ShootoutPreset): StageSpecInput[] {
  const d = p.demo;
  const stage2 = { template: 'vicuna_v1', systemMessage: d.systemMessage, steps: p.stage2.steps, globalBatchSize: p.stage2.batchSize, warmupRatio: 0.05, minLrRatio: 0.05 };
  if (connector === 'qformer') {
    return [
      { name: 'qformer', kind: 'qformer', template: 'plain', train: { qformer: p.qformerStage1.learningRate }, steps: p.qformerStage1.steps, globalBatchSize: p.qformerStage1.batchSize, warmupRatio: 0.05 },
      { name: 'generative', ...stage2, train: { qformer: p.lr.connector, connector: p.lr.connector } },
    ];
  }
  if (connector === 'flamingo') return [{ name: 'flamingo', ...stage2, train: { resampler: p.lr.connector, xattn: p.lr.connector } }];
  return [
    { name: 'align', template: 'plain', train: { connector: d.align.learningRate }, steps: d.align.steps, globalBatchSize: d.align.batchSize, warmupRatio: 0.05 },
    { name: 'instruct', ...stage2, train: { connector: p.lr.connector, lm: p.lr.lm } },
  ];
}

/** What each recipe trains and freezes, in words (for the report). */
export const recipeOf: Record<ShootoutConnector, string> = {
  linear: 'align (connector) -> connector + LM',
  mlp2x_gelu: 'align (connector) -> connector + LM',
  perceiver: 'align (resampler) -> resampler + LM',
  qformer: 'ITC+ITM+ITG (Q-Former) -> Q-Former + projection, LM frozen',
  flamingo: 'resampler + xattn, LM frozen',
};
