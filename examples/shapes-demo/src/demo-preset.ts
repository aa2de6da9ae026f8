import type { InstructionMix } from './records';

/** Sizes and schedules of a demo run. */
export interface DemoPreset {
  imageSize: number;
  patchSize: number;
  trainScenes: number;
  testScenes: number;
  maxObjects: number;
  /** Object side as a share of the image side (min, max). */
  objectScale: [number, number];
  /** Hidden state the connector reads (and the per-patch contrastive term trains); -1 = last layer. */
  featureLayer: number;
  vision: { hiddenSize: number; layers: number; heads: number; intermediateSize: number };
  lm: { hiddenSize: number; layers: number; heads: number; intermediateSize: number };
  /** The LM's vocabulary: BPE learned from the demo's training text, or raw bytes. */
  tokenizer: { kind: 'bpe'; vocabSize: number } | { kind: 'bytes' };
  contrastive: { steps: number; batchSize: number; learningRate: number };
  lmPretrain: { steps: number; batchSize: number; learningRate: number };
  align: { steps: number; batchSize: number; learningRate: number };
  instruct: { steps: number; batchSize: number; connectorLr: number; lmLr: number };
  /** Stage 2 as LoRA (`vlm-train demo --lora` runs it beside full fine-tuning): adapters on every LM linear + the connector. */
  instructLora: { r: number; alpha: number; dropout: number; lr: number; connectorLr: number };
  mix: InstructionMix;
  systemMessage: string;
  /** Said at the top of the terminal and HTML reports (the quick preset says it is not expected to learn). */
  notice?: string;
}

/** The default demo: tiny towers, 32 px images, a BPE vocabulary learned from the demo text; sized for 2 CPU cores. */
export const fullDemoPreset: DemoPreset = {
  imageSize: 32,
  patchSize: 8,
  trainScenes: 5000,
  testScenes: 200,
  maxObjects: 3,
  objectScale: [0.36, 0.5],
  featureLayer: -1,
  vision: { hiddenSize: 64, layers: 3, heads: 4, intermediateSize: 128 },
  lm: { hiddenSize: 96, layers: 2, heads: 4, intermediateSize: 256 },
  tokenizer: { kind: 'bpe', vocabSize: 1024 },
  contrastive: { steps: 2600, batchSize: 16, learningRate: 3e-3 },
  lmPretrain: { steps: 100, batchSize: 32, learningRate: 3e-3 },
  align: { steps: 60, batchSize: 32, learningRate: 2e-3 },
  instruct: { steps: 1600, batchSize: 16, connectorLr: 2e-3, lmLr: 1e-3 },
  instructLora: { r: 16, alpha: 32, dropout: 0.05, lr: 5e-3, connectorLr: 2e-3 },
  mix: { turns: 4, teacherShare: { conversation: 0.06, detail: 0.02, reasoning: 0.02 }, textOnlyCopies: 6 },
  systemMessage: 'A chat about an image.',
};

/** A seconds-long run of the same pipeline, for tests. */
export const tinyDemoPreset: DemoPreset = {
  ...fullDemoPreset,
  imageSize: 16,
  trainScenes: 16,
  testScenes: 2,
  vision: { hiddenSize: 16, layers: 2, heads: 2, intermediateSize: 32 },
  lm: { hiddenSize: 32, layers: 1, heads: 2, intermediateSize: 64 },
  contrastive: { steps: 3, batchSize: 8, learningRate: 1e-3 },
  lmPretrain: { steps: 3, batchSize: 8, learningRate: 3e-3 },
  align: { steps: 3, batchSize: 8, learningRate: 2e-3 },
  instruct: { steps: 3, batchSize: 8, connectorLr: 1e-3, lmLr: 1e-3 },
  mix: { turns: 2, teacherShare: { conversation: 0.2, detail: 0.1, reasoning: 0.1 }, textOnlyCopies: 1 },
  notice:
    'This was a quick run: a few training steps in seconds, to check that the whole pipeline runs. It is not expected to learn, so accuracies near 0 % or chance and answers that repeat role tags ("ASSISTANT: ASSISTANT: ...") are normal here. The full demo (vlm-train demo without --quick, about 2.5 minutes on 2 CPU cores) is the one that learns.',
};
