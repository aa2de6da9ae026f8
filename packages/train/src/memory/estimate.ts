import type { ClipVisionConfig } from '../models/clip-vision';
import type { LlamaConfig } from '../models/llama';

/** Parameters of a LLaMA config (exactly what `LlamaModel` allocates). */
export function llamaParameterCount(c: LlamaConfig): number {
  const hd = c.headDim ?? c.hiddenSize / c.numAttentionHeads;
  const D = c.hiddenSize;
  const q = c.numAttentionHeads * hd;
  const kv = c.numKeyValueHeads * hd;
  const attnBias = c.attentionBias ? q + 2 * kv + D : 0;
  const mlpBias = c.mlpBias ? 2 * c.intermediateSize + D : 0;
  const perLayer = 2 * D + D * q + 2 * D * kv + q * D + attnBias + 3 * D * c.intermediateSize + mlpBias;
  return c.vocabSize * D + c.numHiddenLayers * perLayer + D + (c.tieWordEmbeddings ? 0 : D * c.vocabSize);
}

/** Parameters of a CLIP vision config (exactly what `ClipVisionModel` allocates). */
export function clipVisionParameterCount(c: ClipVisionConfig): number {
  const D = c.hiddenSize;
  const patches = (c.imageSize / c.patchSize) ** 2;
  const embeddings = D + c.numChannels * c.patchSize * c.patchSize * D + (patches + 1) * D;
  const perLayer = 4 * D + 4 * (D * D + D) + (D * c.intermediateSize + c.intermediateSize) + (c.intermediateSize * D + D);
  return embeddings + 4 * D + c.numHiddenLayers * perLayer;
}

/** What to estimate: the towers, the connector size, which parts train, and the batch shape. */
export interface MemoryEstimateInput {
  lm: LlamaConfig;
  vision?: ClipVisionConfig;
  connectorParameters?: number;
  /** LoRA adapter parameters (trained; the adapted towers stay frozen). */
  loraParameters?: number;
  trainable: { vision?: boolean; connector?: boolean; lm?: boolean };
  /** Samples per micro-batch. */
  batchSize: number;
  /** Sequence length seen by the LM (text plus image tokens). */
  seqLength: number;
  imagesPerSample?: number;
  /** Adam keeps two moments per trained value; SGD none. Default adam. */
  optimizer?: 'adam' | 'sgd';
  /** Memory available, to turn the estimate into advice. */
  budgetBytes?: number;
}

/** Bytes by kind (float32 everywhere, as TensorFlow.js trains) plus advice when over budget. */
export interface MemoryEstimate {
  parameters: { vision: number; connector: number; lm: number; lora: number; trainable: number; total: number };
  bytes: { weights: number; gradients: number; optimizer: number; activations: number; total: number };
  fits?: boolean;
  advice: string[];
  /** With LoRA: the bytes the same stage would need fine-tuning the adapted towers fully instead. */
  fullFineTune?: { weights: number; gradients: number; optimizer: number; activations: number; total: number };
}

const F32 = 4;

/**
 * Estimates training memory before running. Activations count what the tfjs tape keeps for the
 * backward pass per token and layer (norm, projections, RoPE, attention scores and probabilities,
 * SwiGLU) and the logits with their softmax; a rough upper bound, not an allocator trace.
 */
export function estimateTrainingMemory(input: MemoryEstimateInput): MemoryEstimate {
  const lm = input.lm;
  const vision = input.vision;
  const params = {
    vision: vision ? clipVisionParameterCount(vision) : 0,
    connector: input.connectorParameters ?? 0,
    lm: llamaParameterCount(lm),
    lora: input.loraParameters ?? 0,
  };
  const trainable = (input.trainable.vision ? params.vision : 0) + (input.trainable.connector ? params.connector : 0) + (input.trainable.lm ? params.lm : 0) + params.lora;
  const total = params.vision + params.connector + params.lm + params.lora;
  const tokens = input.batchSize * input.seqLength;
  const hd = lm.headDim ?? lm.hiddenSize / lm.numAttentionHeads;
  const kv = lm.numKeyValueHeads * hd;
  const perTokenLayer = 16 * lm.hiddenSize + 8 * kv + 6 * lm.intermediateSize + 3 * lm.numAttentionHeads * input.seqLength;
  const lmActs = tokens * (lm.numHiddenLayers * perTokenLayer + 4 * lm.vocabSize + 2 * lm.hiddenSize);
  let visionActs = 0;
  if (vision) {
    const n = (vision.imageSize / vision.patchSize) ** 2 + 1;
    const images = input.batchSize * (input.imagesPerSample ?? 1);
    const perToken = vision.numHiddenLayers * (16 * vision.hiddenSize + 4 * vision.intermediateSize + 3 * vision.numAttentionHeads * n);
    visionActs = images * n * perToken;
  }
  const training = trainable > 0;
  // Without trained weights nothing is kept for backward: about one layer's worth is live at a time.
  const activations = (training ? lmActs + visionActs : (lmActs + visionActs) / Math.max(1, lm.numHiddenLayers)) * F32;
  const weights = total * F32;
  const gradients = trainable * F32;
  const optimizer = (input.optimizer ?? 'adam') === 'adam' ? 2 * trainable * F32 : 0;
  const sum = weights + gradients + optimizer + activations;
  const advice: string[] = [];
  let fits: boolean | undefined;
  if (input.budgetBytes !== undefined) {
    fits = sum <= input.budgetBytes;
    if (!fits) {
      if (activations > sum / 3) advice.push(`activations take ${gib(activations)}: lower the micro-batch (${input.batchSize}) or the sequence length (${input.seqLength}) and raise gradient accumulation to keep the global batch`);
      if (input.trainable.lm) advice.push(`training the LM adds ${gib((2 + 1) * params.lm * F32)} of gradients and Adam state: train LoRA adapters instead (a stage's lora: { r: 8, lr: 2e-4 }), freeze it (stage 1) or use a smaller LM`);
      if (input.trainable.vision) advice.push('freeze the vision tower (LLaVA keeps it frozen) and cache its features');
      if (advice.length === 0) advice.push(`the weights alone take ${gib(weights)}: use a smaller model`);
    }
  }
  return { parameters: { ...params, trainable, total }, bytes: { weights, gradients, optimizer, activations, total: sum }, fits, advice };
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}
