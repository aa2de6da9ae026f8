import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { type Tokenizer, VlmError } from '@vlm/core';
import type { LlavaModel } from '../compose/llava';
import { loadCheckpoint, loadCheckpointWeights, readCheckpointMeta } from '../checkpoint/load-checkpoint';
import { exportConnector } from '../checkpoint/export-connector';
import { type LlavaModelSpec, buildLlavaModel, imageTokensOf } from '../checkpoint/model-spec';
import { createTokenizer } from '../checkpoint/create-tokenizer';
import type { TokenizerSpec } from '../checkpoint/tokenizer-spec';
import { ImageStore } from '../data/image-store';
import { loadLlavaDataset } from '../data/llava-dataset';
import { prepareSamples } from '../data/prepare-samples';
import { clipVisionConfigFromHf, llamaConfigFromHf } from '../models/hf-config';
import { loadClipVision, loadLlama } from '../weights/pretrained';
import { writeLossCurvePng } from './loss-curve';
import type { TrainConfig } from './train-config';
import { type StageResult, stageCheckpointDir, trainStage } from './train-stage';

/** Options of {@link runTraining}. */
export interface RunTrainingOptions {
  /** Folder relative paths of the config are resolved in (the config file's folder). */
  baseDir?: string;
  /** Continue from the checkpoints in the output folder: finished stages are skipped, a partial one resumes. */
  resume?: boolean;
  log?: (line: string) => void;
  progress?: (line: string) => void;
}

/** What a config run produced. */
export interface RunTrainingResult {
  output: string;
  stages: StageResult[];
  lossCurvePng: string;
  /** Connector-only exports (`mm_projector.safetensors`) of stages that trained only the connector. */
  connectorExports: string[];
}

/**
 * Runs every stage of a validated config in order on one model: builds (or loads) the towers,
 * validates and tokenizes each stage's dataset with the stage's template, trains, checkpoints, and
 * draws the loss curves. Stages that train only the connector also export it with upstream names.
 */
export async function runTraining(config: TrainConfig, options: RunTrainingOptions = {}): Promise<RunTrainingResult> {
  const base = options.baseDir ?? '.';
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const log = options.log ?? (() => {});
  const output = at(config.output);
  const m = config.model;
  let spec: LlavaModelSpec;
  let model: LlavaModel;
  let tokenizerSpec: TokenizerSpec;
  let tokenizer: Tokenizer;
  const configured = config.tokenizer && (config.tokenizer.file ? { ...config.tokenizer, file: at(config.tokenizer.file) } : config.tokenizer);
  if ('from' in m) {
    // a whole model: a vlm-train checkpoint or a Hugging Face LLaVA folder (either naming, sharded or not)
    const loaded = await loadCheckpoint(at(m.from));
    log(`model loaded from ${loaded.dir}`);
    ({ spec, model } = loaded);
    const own = loaded.meta.tokenizer;
    tokenizerSpec = configured ?? { kind: own.kind, ...(own.file ? { file: isAbsolute(own.file) ? own.file : join(loaded.dir, own.file) } : {}), ...(own.extraSpecialTokens ? { extraSpecialTokens: own.extraSpecialTokens } : {}) };
    tokenizer = configured ? await createTokenizer(tokenizerSpec) : loaded.tokenizer;
  } else {
    const lm = 'pretrained' in m.lm ? await loadLlama(at(m.lm.pretrained)) : undefined;
    const vision = 'pretrained' in m.vision ? await loadClipVision(at(m.vision.pretrained)) : undefined;
    const lmConfig = lm?.config ?? llamaConfigFromHf((m.lm as { config: unknown }).config, { field: 'model.lm.config' });
    const visionConfig = vision?.config ?? clipVisionConfigFromHf((m.vision as { config: unknown }).config, { field: 'model.vision.config' });
    spec = {
      lm: lmConfig,
      vision: visionConfig,
      connector: { inputDim: visionConfig.hiddenSize, outputDim: lmConfig.hiddenSize, ...m.connector } as LlavaModelSpec['connector'],
      featureSelection: m.featureSelection,
      image: m.image,
    };
    tokenizerSpec = configured as TokenizerSpec;
    tokenizer = await createTokenizer(tokenizerSpec);
    model = buildLlavaModel(spec, config.seed, { lm, vision });
  }
  if (tokenizer.vocabSize > spec.lm.vocabSize) {
    throw new VlmError('config_invalid', `tokenizer ${tokenizer.name} has ${tokenizer.vocabSize} ids but the LM vocabulary has ${spec.lm.vocabSize}`, {
      location: { field: 'model.lm' },
      hint: `set vocab_size to at least ${tokenizer.vocabSize}`,
    });
  }
  const perImage = imageTokensOf(spec);
  const stages: StageResult[] = [];
  const connectorExports: string[] = [];
  // With resume, the last stage that wrote a checkpoint decides: earlier stages are done, a finished
  // one only lends its weights, a partial one resumes.
  const hasCheckpoint = (i: number) => existsSync(join(stageCheckpointDir(output, i, config.stages[i]!.name), 'checkpoint.json'));
  const last = options.resume ? config.stages.map((_, i) => i).filter(hasCheckpoint).at(-1) : undefined;
  for (const [i, stage] of config.stages.entries()) {
    const checkpoint = stageCheckpointDir(output, i, stage.name);
    let resumeFrom: string | undefined;
    if (last !== undefined && i < last) {
      log(`stage ${i} ${stage.name}: done in an earlier run, skipped`);
      continue;
    }
    if (last !== undefined && i === last) {
      const meta = await readCheckpointMeta(checkpoint);
      if (meta.step >= meta.totalSteps) {
        await loadCheckpointWeights(model, checkpoint);
        log(`stage ${i} ${stage.name}: finished earlier, weights loaded from ${checkpoint}`);
        continue;
      }
      resumeFrom = checkpoint;
    }
    const dataset = await loadLlavaDataset(at(stage.data.path), stage.data.imageRoot ? at(stage.data.imageRoot) : undefined);
    const samples = prepareSamples(dataset.records, {
      tokenizer,
      template: stage.template,
      systemMessage: stage.systemMessage,
      maxLength: stage.maxLength,
      imageTokens: perImage,
      lastTurnOnly: stage.lastTurnOnly,
      seed: config.seed,
    });
    const images = new ImageStore({ root: dataset.imageRoot ?? dirname(dataset.file), size: spec.vision.imageSize, mode: spec.image?.mode ?? 'pad', mean: spec.image?.mean, std: spec.image?.std });
    const { data: _data, ...stageSpec } = stage;
    // A LoRA stage's base: the previous stage's checkpoint, or the model as this run builds it.
    const previous = i > 0 ? config.stages[i - 1] : undefined;
    const loraBase = previous
      ? { checkpoint: stageCheckpointDir(output, i - 1, previous.name) }
      : 'from' in m
        ? { checkpoint: at(m.from) }
        : { init: { seed: config.seed, lm: 'pretrained' in m.lm ? at(m.lm.pretrained) : undefined, vision: 'pretrained' in m.vision ? at(m.vision.pretrained) : undefined } };
    const result = await trainStage({
      model, spec, tokenizer, tokenizerSpec, tokenizerFile: tokenizerSpec.kind === 'hf' ? tokenizerSpec.file : undefined,
      stage: stageSpec, stageIndex: i, samples, images, seed: config.seed, outDir: output, resumeFrom, loraBase, log, progress: options.progress,
    });
    stages.push(result);
    if (!stage.lora && Object.keys(stage.train).every((k) => k === 'connector')) {
      const file = join(checkpoint, 'mm_projector.safetensors');
      await exportConnector(model, file);
      connectorExports.push(file);
      log(`connector exported with upstream names: ${file}`);
    }
  }
  const lossCurvePng = join(output, 'loss-curves.png');
  await writeLossCurvePng(lossCurvePng, stages.map((s) => ({ name: s.stage, points: s.losses.map((l, k) => [k + 1, l] as const) })));
  return { output, stages, lossCurvePng, connectorExports };
}
