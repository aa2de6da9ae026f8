// Node-only part of @vlm/train: files, sharp image decoding, checkpoints on disk and the trainer that
// writes them. The main entry (`@vlm/train`) stays browser-safe.
/** Load and save Hugging Face model directories (config.json + model.safetensors, sharded or not). */
export { loadLlama, loadClipVision, saveLlama, saveClipVision, readHfConfig, type LoadPretrainedOptions } from '../weights/pretrained';
/** Assign upstream tensors to parameters; parameters as an upstream state dict. */
export { assignParams, loadParams, loadParamTargets, loadParamsFromDir, paramsToStateDict, safetensorsFilesIn, type AssignParamsOptions, type LoadParamsOptions, type ParamTarget } from '../weights/load-params';
/** Where a checkpoint's weights are: a folder (model.safetensors or sharded with its index), an index, or a file. */
export { resolveWeightFiles, SHARD_INDEX_FILE, type WeightFiles } from '../weights/weight-files';
/** Hugging Face LLaVA folders both ways: export for transformers, load (either key naming, sharded, F32/F16/BF16). */
export { exportHfLlava, HF_VLM_META_FILE, type ExportHfLlavaOptions, type ExportHfLlavaResult } from '../hf/export-hf-llava';
export { loadHfLlava, loadHfLlavaWeights, isHfLlavaFolder, hfLlavaKeys, type HfLlavaNaming } from '../hf/load-hf-llava';
/** Image decoding and preprocessing with sharp (pad-to-square or centre crop, mean/std). */
export { preprocessImage, preprocessImages, type PreprocessOptions, type ImageFitMode, type ImageSource } from '../image/preprocess';
/** Trains one stage: AdamW, warmup + cosine, clipping, accumulation, progress, metrics, checkpoints, exact resume. */
export { trainStage, parseStage, stageCheckpointDir, type TrainStageOptions, type StageResult } from '../trainer/train-stage';
/** Runs every stage of a `vlm-train train` config. */
export { runTraining, DEFAULT_CHECKPOINT_EVERY, type RunTrainingOptions, type RunTrainingResult } from '../trainer/run-training';
/** Every stage's template, data and images checked before the first step; an existing run never replaced without force. */
export { preflightStages, type PreflightInput, type PreparedStage } from '../trainer/preflight';
export { checkRunFolder, clearRun, holdsRun, RUN_OUTPUTS, type RunStart } from '../trainer/run-folder';
/** Metrics JSONL and loss-curve images. */
export { MetricsLog, type StepMetrics } from '../trainer/metrics-log';
export { lossCurveSvg, writeLossCurvePng, type LossSeries } from '../trainer/loss-curve';
/** LLaVA JSON + image root, validated with @vlm/core; a cache of decoded images. */
export { loadLlavaDataset, type LlavaDataset, type LoadLlavaDatasetOptions } from '../data/llava-dataset';
/** Full decode check of an image file with sharp, for `validateDataset({ imageDecodes })`. */
export { sharpImageDecodes } from '../image/image-decodes';
export { ImageStore, type ImageStoreOptions } from '../data/image-store';
/** Creates the tokenizer a checkpoint's tokenizer spec names (reads its tokenizer.json). */
export { createTokenizer } from '../checkpoint/create-tokenizer';
/** Checkpoints: safetensors weights with upstream LLaVA names + checkpoint.json, written atomically. */
export { saveCheckpoint, llavaStateDict, optimizerStateDict, writeFileAtomic, VISION_PREFIX, type SaveCheckpointInput } from '../checkpoint/save-checkpoint';
export { loadCheckpoint, loadLlavaCheckpoint, loadCheckpointWeights, loadOptimizerState, readCheckpointMeta, type LoadedCheckpoint } from '../checkpoint/load-checkpoint';
/** Stage-1 export of the connector alone, as `model.mm_projector.*` safetensors. */
export { exportConnector } from '../checkpoint/export-connector';
/** LLaVA JSON and pre-tokenised JSONL shards (with a manifest) for other trainers. */
export { exportTrainingData, type ExportOptions, type ExportResult } from '../data/export-shards';
/** LoRA checkpoints in PEFT's format (adapter_config.json + adapter_model.safetensors) and LLaVA's non-LoRA trainables. */
export { savePeftAdapter, loadPeftAdapter, readPeftAdapter, peftAdapterConfig, peftStateDict, peftTargetModules, PEFT_FILES, PEFT_PREFIX, ADAPTER_NAMINGS, type AdapterNaming, type SavePeftAdapterOptions, type PeftLoraConfig, type PeftAdapterFiles } from '../lora/peft-adapter';
export { saveLoraWeights, loadLoraWeights, nonLoraStateDict, nonLoraModulesIn, NON_LORA_TRAINABLES } from '../lora/lora-checkpoint';
/** `vlm-train merge`: adapters folded into the base, written as a checkpoint or a Hugging Face LLaMA folder. */
export { mergeAdapter, type MergeAdapterOptions, type MergeAdapterResult } from '../lora/merge-adapter';
