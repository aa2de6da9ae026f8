// Public API of @vlm/train.

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
export { ParamSet, type NamedParam, type ParamLayout, type ParamInit } from './nn/params';
/** Building blocks, exported for custom models and tests. */
export { rmsNorm, layerNorm } from './nn/norms';
export { applyRope, ropeTables, ropeInverseFrequencies } from './nn/rope';
export { activate, type Activation } from './nn/activations';
/** Load and save Hugging Face model directories (config.json + model.safetensors, sharded or not). */
export { loadLlama, loadClipVision, saveLlama, saveClipVision, readHfConfig, type LoadPretrainedOptions } from './weights/pretrained';
/** Assign upstream tensors to parameters; parameters as an upstream state dict. */
export { assignParams, loadParams, loadParamTargets, loadParamsFromDir, paramsToStateDict, safetensorsFilesIn, type AssignParamsOptions, type LoadParamsOptions, type ParamTarget } from './weights/load-params';
export { resolveWeightFiles, SHARD_INDEX_FILE, type WeightFiles } from './weights/weight-files';
/** Hugging Face LLaVA folders both ways: export for transformers, load (either key naming, sharded, F32/F16/BF16). */
export { exportHfLlava, HF_VLM_META_FILE, type ExportHfLlavaOptions, type ExportHfLlavaResult } from './hf/export-hf-llava';
export { loadHfLlava, loadHfLlavaWeights, isHfLlavaFolder, hfLlavaKeys, type HfLlavaNaming } from './hf/load-hf-llava';
export { hfLlavaConfig, parseHfLlavaConfig, hfProcessorConfig, hfImageProcessorConfig, imageSettingsFromHf, HF_IMAGE_TOKEN, type ParsedHfLlavaConfig } from './hf/llava-config';
/** A Jinja chat template (transformers apply_chat_template) equivalent to a conversation template. */
export { hfChatTemplate } from './hf/chat-template';
/** Sub-module handles (vision, connector, lm) a trainer freezes or trains. */
export { trainableVariables, paramSetHandle, variablesHandle, type ModuleHandle, type VisionConnector } from './compose/modules';
/** LLaVA splicing of image features at the -200 placeholders. */
export { spliceImageFeatures, type SpliceInput, type SpliceOutput, type PaddingSide } from './compose/splice';
/** LLaVA composition: CLIP -> connector -> spliced into LLaMA. */
export { LlavaModel, type LlavaModelOptions, type LlavaForwardInput, type LlavaForwardOutput } from './compose/llava';
/** Flamingo-style composition: gated cross-attention interleaved into a (frozen) LLaMA. */
export { FlamingoModel, type FlamingoModelOptions, type FlamingoForwardInput } from './compose/flamingo';
/** BLIP-2-style composition: Q-Former queries prepended to the text. */
export { Blip2Model, type Blip2ModelOptions, type Blip2ForwardInput } from './compose/blip2';
/** Cross-entropy ignoring -100, normalised by the global batch's trained-token count. */
export { maskedCrossEntropy, countTrainedTokens, type MaskedCrossEntropyOptions } from './loss/masked-cross-entropy';
/** Generation: sessions with or without a KV cache, greedy/temperature/top-p, stop ids and strings. */
export { generate, type GenerateOptions, type GenerateResult } from './generate/generate';
export { sampleToken, argmax, type SamplingOptions } from './generate/sample';
export { embeddingsSession, tokensSession, type DecodeSession, type SessionOptions } from './generate/session';
export { llavaSession, blip2Session, flamingoSession, type ImagePrompt } from './generate/model-sessions';
/** Image decoding and preprocessing with sharp (pad-to-square or centre crop, mean/std). */
export { preprocessImage, preprocessImages, type PreprocessOptions, type ImageFitMode, type ImageSource } from './image/preprocess';
/** Memory estimate of weights, gradients, optimizer state and activations before training. */
export { estimateTrainingMemory, llamaParameterCount, clipVisionParameterCount, type MemoryEstimate, type MemoryEstimateInput } from './memory/estimate';

// Trainer, checkpoints, data loading and the training demo (issue 6).
/** Training stages as data (modules trained with their learning rates, template, length) and LLaVA's two presets. */
export { stageSchema, alignmentStage, instructionStage, moduleNames, type StageSpec, type StageSpecInput, type ModuleName } from './trainer/stage';
/** Trains one stage: AdamW, warmup + cosine, clipping, accumulation, progress, metrics, checkpoints, exact resume. */
export { trainStage, parseStage, stageCheckpointDir, type TrainStageOptions, type StageResult } from './trainer/train-stage';
/** Runs every stage of a `vlm-train train` config. */
export { runTraining, type RunTrainingOptions, type RunTrainingResult } from './trainer/run-training';
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
/** Progress line, metrics JSONL and loss-curve images. */
export { formatProgress, formatDuration, type ProgressState } from './trainer/progress-line';
export { MetricsLog, type StepMetrics } from './trainer/metrics-log';
export { lossCurveSvg, writeLossCurvePng, type LossSeries } from './trainer/loss-curve';
/** LLaVA JSON + image root, validated with @vlm/core; formatted and tokenized samples; decoded image cache. */
export { loadLlavaDataset, type LlavaDataset } from './data/llava-dataset';
export { prepareSamples, withSystemMessage, type TrainSample, type PrepareOptions } from './data/prepare-samples';
export { ImageStore, type ImageStoreOptions } from './data/image-store';
export { epochOrder, batchesPerEpoch, positionOfStep, type DataPosition } from './data/epoch-order';
/** Model specs (tower configs + connector) and building a LLaVA model from one. */
export { buildLlavaModel, modelSpecToJson, modelSpecFromJson, imageTokensOf, modelSpecJsonSchema, type LlavaModelSpec } from './checkpoint/model-spec';
/** Tokenizer identity saved with checkpoints. */
export { createTokenizer, tokenizerSpecSchema, type TokenizerSpec } from './checkpoint/tokenizer-spec';
/** Checkpoints: safetensors weights with upstream LLaVA names + checkpoint.json, written atomically. */
export { saveCheckpoint, llavaStateDict, optimizerStateDict, writeFileAtomic, VISION_PREFIX, type SaveCheckpointInput } from './checkpoint/save-checkpoint';
export { loadCheckpoint, loadCheckpointWeights, loadOptimizerState, readCheckpointMeta, type LoadedCheckpoint } from './checkpoint/load-checkpoint';
export { checkpointMetaSchema, CHECKPOINT_FILES, type CheckpointMeta } from './checkpoint/checkpoint-meta';
/** Stage-1 export of the connector alone, as `model.mm_projector.*` safetensors. */
export { exportConnector } from './checkpoint/export-connector';
/** Answers a conversation with a trained model and its own template. */
export { answer, type ChatModel, type AnswerOptions } from './checkpoint/chat';
/** The built-in demo that really learns: synthetic shapes -> two-stage training -> held-out accuracy report. */
export { runTrainingDemo, type TrainingDemoOptions, type TrainingDemoResult } from './demo/run-training-demo';
export { fullDemoPreset, tinyDemoPreset, type DemoPreset } from './demo/demo-preset';
export { questionTypes, askQuestion, normaliseAnswer, answerSpace, type QuestionType, type ShortQuestion } from './demo/questions';
export { pretrainVisionContrastive, type ContrastiveOptions, type ImageTextPair } from './demo/contrastive-pretrain';
export { type TypeAccuracy, type EvaluatedQuestion } from './demo/evaluate';
/** LLaVA JSON and pre-tokenised JSONL shards (with a manifest) for other trainers. */
export { exportTrainingData, type ExportOptions, type ExportResult } from './data/export-shards';
