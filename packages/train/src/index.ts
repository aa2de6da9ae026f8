// Public API of @vlm/train. Browser-safe: files, sharp, on-disk checkpoints and the file-backed trainer live
// behind `@vlm/train/node`.

/** LLaMA-family language model (RMSNorm, RoPE, GQA, SwiGLU, optional tied head) with HF parameter names. */
export { LlamaModel, disposeCache, type LlamaConfig, type LlamaForwardInput, type LlamaOutput, type KvCache } from './models/llama';
/** CLIP vision transformer returning every hidden state; LLaVA's feature choice is one option. */
export {
  ClipVisionModel,
  CLIP_IMAGE_MEAN,
  CLIP_IMAGE_STD,
  LLAVA_FEATURE_SELECTION,
  BLIP2_FEATURE_SELECTION,
  type ClipVisionConfig,
  type ClipVisionOutput,
  type VisionFeatureSelection,
} from './models/clip-vision';
/** Hugging Face `config.json` <-> model configs. */
export { llamaConfigFromHf, llamaConfigToHf, clipVisionConfigFromHf, clipVisionConfigToHf } from './models/hf-config';
/** Named parameters with upstream names and layouts; how models initialise. */
export { ParamSet, normalValues, constantValues, type NamedParam, type ParamLayout, type ParamInit } from './nn/params';
/** Building blocks, exported for custom models and tests. */
export { rmsNorm, layerNorm } from './nn/norms';
export { applyRope, ropeTables, ropeInverseFrequencies } from './nn/rope';
export { activate, type Activation } from './nn/activations';
/** Hugging Face LLaVA configs (config.json, processor config) and a Jinja chat template equivalent to a conversation template. */
export { hfLlavaConfig, parseHfLlavaConfig, hfProcessorConfig, hfImageProcessorConfig, imageSettingsFromHf, hfImageSeqLength, HF_IMAGE_TOKEN, type ParsedHfLlavaConfig } from './hf/llava-config';
export { hfChatTemplate } from './hf/chat-template';
/** Pillow's bicubic resize (what transformers' CLIPImageProcessor uses) and its shortest-edge size rule. */
export { pilResizeBicubic, shortestEdgeSize } from './image/pil-resize';
/** Sub-module handles (vision, connector, lm) a trainer freezes or trains. */
export { trainableVariables, paramSetHandle, variablesHandle, type ModuleHandle, type VisionConnector } from './compose/modules';
/** LLaVA splicing of image features at the -200 placeholders. */
export { spliceImageFeatures, type SpliceInput, type SpliceOutput, type PaddingSide } from './compose/splice';
/** LLaVA composition: CLIP -> connector -> spliced into LLaMA. */
export { LlavaModel, type LlavaModelOptions, type LlavaForwardInput, type LlavaForwardOutput } from './compose/llava';
/** Flamingo-style composition: gated cross-attention interleaved into a (frozen) LLaMA. */
export { FlamingoModel, type FlamingoModelOptions, type FlamingoForwardInput } from './compose/flamingo';
/** BLIP-2-style composition: Q-Former queries prepended to the text. */
export { Blip2Model, imagesFirst, type Blip2ModelOptions, type Blip2ForwardInput } from './compose/blip2';
/** Any model the trainer builds (llava, blip2 or flamingo), told apart by `architecture`. */
export { type VisionLanguageModel } from './compose/vision-language-model';
/** BLIP-2 stage 1: the Q-Former's text side (embeddings, text FFNs, ITC/ITM/ITG heads). */
export { QFormerTextHeads, type QFormerTextHeadsConfig } from './compose/qformer-text-heads';
/** BLIP-2 stage-1 objectives: uni-modal, bi-modal and UniLM masks; ITC, ITM (hard negatives) and ITG losses. */
export {
  uniModalMask,
  biModalMask,
  uniLmMask,
  maskToBias,
  smoothedCrossEntropy,
  itcLoss,
  itmLoss,
  itgLoss,
  hardNegatives,
  hardNegativeWeights,
  type AttentionMask,
  type ItcResult,
} from './loss/qformer-objectives';
/** One micro-batch of BLIP-2 stage 1 (ITC + ITM + ITG) and of any architecture's LM loss. */
export { qformerStageLoss, type QFormerStageLoss } from './trainer/qformer-stage-loss';
export { lmBatchLoss, type BatchSample, type BatchImages } from './trainer/batch-loss';
/** Cross-entropy ignoring -100, normalised by the global batch's trained-token count. */
export { maskedCrossEntropy, countTrainedTokens, type MaskedCrossEntropyOptions } from './loss/masked-cross-entropy';
/** Generation: sessions with or without a KV cache, greedy/temperature/top-p, stop ids and strings. */
export { generate, type GenerateOptions, type GenerateResult } from './generate/generate';
export { sampleToken, argmax, type SamplingOptions } from './generate/sample';
export { embeddingsSession, tokensSession, type DecodeSession, type SessionOptions } from './generate/session';
export { llavaSession, blip2Session, flamingoSession, modelSession, type ImagePrompt } from './generate/model-sessions';
/** LoRA: adapters on named linears (rank, alpha, dropout, rsLoRA), merged into the base on request. */
export { loraSchema, loraScaling, lmLoraTargets, visionLoraTargets, type LoraSpec, type LoraSpecInput } from './lora/lora-config';
export { LoraAdapters, LM_LINEAR_PATTERN, VISION_LINEAR_PATTERN, type LoraShape, type LoraTower, type AdaptableTower } from './lora/lora-adapters';
export { attachLora, setLora, mergeLora, llavaLoraTowers, allLlavaLoraTowers } from './lora/llava-lora';
export type { LinearAdapter } from './nn/linear';
/** Memory estimate of weights, gradients, optimizer state and activations before training. */
export { estimateTrainingMemory, llamaParameterCount, clipVisionParameterCount, type MemoryEstimate, type MemoryEstimateInput } from './memory/estimate';

// Trainer building blocks (the file-backed `trainStage`/`runTraining` are in `@vlm/train/node`).
/** Training stages as data (modules trained with their learning rates, template, length) and LLaVA's two presets. */
export { stageSchema, alignmentStage, instructionStage, loraInstructionStage, qformerStage, blip2GenerativeStage, flamingoStage, moduleNames, stageKinds, type StageSpec, type StageSpecInput, type ModuleName } from './trainer/stage';
/** The zod-validated training config file (errors name their path). */
export { trainConfigSchema, parseTrainConfig, type TrainConfig } from './trainer/train-config';
/** AdamW with per-module learning rates (PyTorch semantics) and global-norm gradient clipping. */
export { AdamW, clipByGlobalNorm, type AdamWOptions, type OptimizedParam, type AdamWSlot } from './trainer/adamw';
/** Warmup then cosine decay. */
export { learningRateAt, warmupStepsFor, type ScheduleOptions } from './trainer/schedule';
/** Micro-batch and gradient accumulation derived from the global batch. */
export { planBatches, type BatchPlan } from './trainer/micro-batches';
/** LLaVA splicing of a batch as one gather (fast backward), used by the trainer. */
export { spliceBatch, type SplicedBatch } from './trainer/splice-batch';
/** The per-module parameter table and memory estimate printed when a stage starts. */
export { parameterTable, stageMemoryEstimate } from './trainer/parameter-table';
/** The progress line printed while training. */
export { formatProgress, formatDuration, type ProgressState } from './trainer/progress-line';
/** Formatted and tokenized samples; the data order of each epoch. */
export { prepareSample, prepareSamples, withSystemMessage, type TrainSample, type PrepareOptions } from './data/prepare-samples';
export { epochOrder, batchesPerEpoch, positionOfStep, type DataPosition } from './data/epoch-order';
/** Model specs (tower configs + connector) and building a LLaVA model from one. */
export {
  buildModel,
  buildLlavaModel,
  modelSpecToJson,
  modelSpecFromJson,
  imageTokensOf,
  connectorWithWidths,
  defaultFeatureSelection,
  modelSpecJsonSchema,
  crossAttentionSpecSchema,
  qformerTextSpecSchema,
  architectures,
  type Architecture,
  type ModelSpec,
  type LlavaModelSpec,
} from './checkpoint/model-spec';
/** Every weight under upstream names per architecture (LLaVA; HF Blip2ForConditionalGeneration; OpenFlamingo), and back. */
export { modelStateDict, loadModelStateDict, BLIP2_LM_PREFIX, FLAMINGO_PREFIXES } from './checkpoint/model-state-dict';
/** Tokenizer identity saved with checkpoints. */
export { tokenizerSpecSchema, type TokenizerSpec } from './checkpoint/tokenizer-spec';
/** What `checkpoint.json` holds. */
export { checkpointMetaSchema, CHECKPOINT_FILES, type CheckpointMeta } from './checkpoint/checkpoint-meta';
export { loraBaseSchema, type LoraBase } from './checkpoint/checkpoint-meta';
/** A checkpoint rebuilt from its files' bytes (a folder dropped in a browser), no file system. */
export { checkpointFromFiles, type CheckpointFromFiles } from './checkpoint/checkpoint-from-files';
/** Assign upstream tensors to parameters; parameters as an upstream state dict. */
export { assignParams, paramsToStateDict, type AssignParamsOptions } from './weights/assign-params';
/** Answers a conversation with a trained model and its own template. */
export { answer, type ChatModel, type AnswerOptions } from './checkpoint/chat';
