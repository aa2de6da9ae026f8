import { isAbsolute, join, resolve } from 'node:path';
import { VlmError } from '@vlm/core';
import { loadCheckpoint, loadCheckpointWeights, readCheckpointMeta } from '../checkpoint/load-checkpoint';
import { exportConnector } from '../checkpoint/export-connector';
import { type ModelSpec, buildModel, connectorWithWidths, imageTokensOf } from '../checkpoint/model-spec';
import type { VisionLanguageModel } from '../compose/vision-language-model';
import { createTokenizer } from '../checkpoint/create-tokenizer';
import type { TokenizerSpec } from '../checkpoint/tokenizer-spec';
import { clipVisionConfigFromHf, llamaConfigFromHf } from '../models/hf-config';
import { loadClipVision, loadLlama } from '../weights/pretrained';
import { writeLossCurvePng } from './loss-curve';
import { preflightStages } from './preflight';
import { checkRunFolder, clearRun } from './run-folder';
import type { TrainConfig } from './train-config';
import { type StageResult, stageCheckpointDir, trainStage } from './train-stage';

/** Options of {@link runTraining}. */
export interface RunTrainingOptions {
  /** Folder relative paths of the config are resolved in (the config file's folder). */
  baseDir?: string;
  /** Continue from the checkpoints in the output folder: finished stages are skipped, a partial one resumes. */
  resume?: boolean;
  /** Replace a run already in the output folder (without it, an existing run is an error). */
  force?: boolean;
  /** Save a checkpoint every n steps in stages that do not set `checkpointEvery` (default {@link DEFAULT_CHECKPOINT_EVERY}). */
  checkpointEvery?: number;
  /** Abort (Ctrl-C): the step under way finishes, a checkpoint is saved, and the run returns `interrupted`. */
  signal?: AbortSignal;
  log?: (line: string) => void;
  progress?: (line: string) => void;
}

/** What a config run produced. */
export interface RunTrainingResult {
  output: string;
  /** The trained model (its architecture's class) and the spec it was built from. */
  model: VisionLanguageModel;
  spec: ModelSpec;
  stages: StageResult[];
  lossCurvePng: string;
  /** Connector-only exports (`mm_projector.safetensors`) of stages that trained only the connector. */
  connectorExports: string[];
  /** Set when `signal` stopped the run: where it stopped and the checkpoint to resume from. */
  interrupted?: { stageIndex: number; stage: string; step: number; totalSteps: number; checkpoint?: string };
}

/** Steps between mid-stage checkpoints of a config run when neither the stage nor the caller says. */
export const DEFAULT_CHECKPOINT_EVERY = 100;

/**
 * Runs every stage of a validated config in order on one model: builds (or loads) the towers,
 * checks every stage's template, data and images before the first step (all problems in one error),
 * trains, checkpoints every `checkpointEvery` steps and at the end, and draws the loss curves. An
 * existing run in the output folder is only replaced with `force`; `resume` continues it. Stages
 * that train only the connector also export it with upstream names.
 */
export async function runTraining(config: TrainConfig, options: RunTrainingOptions = {}): Promise<RunTrainingResult> {
  const base = options.baseDir ?? '.';
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const log = options.log ?? (() => {});
  const output = at(config.output);
  const m = config.model;
  // `model.from`: a whole model, a vlm-train checkpoint or a Hugging Face LLaVA folder (either naming, sharded or not)
  const from = 'from' in m ? await loadCheckpoint(at(m.from)) : undefined;
  if (from) log(`model loaded from ${from.dir}`);
  const towers = 'from' in m ? undefined : m;
  const lm = towers && 'pretrained' in towers.lm ? await loadLlama(at(towers.lm.pretrained)) : undefined;
  const vision = towers && 'pretrained' in towers.vision ? await loadClipVision(at(towers.vision.pretrained)) : undefined;
  let spec: ModelSpec;
  if (from) spec = from.spec;
  else {
    const t = towers as Exclude<typeof towers, undefined>;
    const lmConfig = lm?.config ?? llamaConfigFromHf((t.lm as { config: unknown }).config, { field: 'model.lm.config' });
    const visionConfig = vision?.config ?? clipVisionConfigFromHf((t.vision as { config: unknown }).config, { field: 'model.vision.config' });
    // Flamingo's <image> token and BLIP-2's stage-1 text vocabulary come from the tokenizer (below).
    spec = {
      architecture: t.architecture,
      lm: lmConfig,
      vision: visionConfig,
      connector: connectorWithWidths(t.architecture, t.connector, visionConfig.hiddenSize, lmConfig.hiddenSize),
      featureSelection: t.featureSelection,
      image: t.image,
    };
  }
  const own = from?.meta.tokenizer;
  const tokenizerSpec: TokenizerSpec = config.tokenizer
    ? config.tokenizer.file ? { ...config.tokenizer, file: at(config.tokenizer.file) } : config.tokenizer
    : { kind: own!.kind, ...(own!.file ? { file: isAbsolute(own!.file) ? own!.file : join(from!.dir, own!.file) } : {}), ...(own!.extraSpecialTokens ? { extraSpecialTokens: own!.extraSpecialTokens } : {}) };
  const start = await checkRunFolder(output, config.stages.map((s) => s.name), options);
  const last = start.resumeStage;
  const tokenizerOrError = await createTokenizer(tokenizerSpec).catch((error: unknown) => {
    if (error instanceof VlmError) return error;
    throw error;
  });
  const perImage = imageTokensOf(spec);
  const toTrain = config.stages.map((_, i) => i).filter((i) => last === undefined || i >= last);
  const prepared = await preflightStages({
    config, at, tokenizer: tokenizerOrError, imageTokens: perImage, stageIndices: toTrain,
    image: { size: spec.vision.imageSize, mode: spec.image?.mode ?? 'pad' },
  });
  const tokenizer = tokenizerOrError as Exclude<typeof tokenizerOrError, Error>;
  // Flamingo's <image> token: the first id after the tokenizer's vocabulary unless the config names one.
  const architecture = towers?.architecture;
  const needed = tokenizer.vocabSize + (architecture === 'flamingo' && towers?.crossAttention?.mediaTokenId === undefined ? 1 : 0);
  if (needed > spec.lm.vocabSize) {
    throw new VlmError('config_invalid', `tokenizer ${tokenizer.name} has ${tokenizer.vocabSize} ids${needed > tokenizer.vocabSize ? ' (plus the <image> token of flamingo)' : ''} but the LM vocabulary has ${spec.lm.vocabSize}`, {
      location: { field: 'model.lm' },
      hint: `set vocab_size to at least ${needed}`,
    });
  }
  if (towers) {
    spec = {
      ...spec,
      crossAttention: architecture === 'flamingo' ? { ...towers.crossAttention, mediaTokenId: towers.crossAttention?.mediaTokenId ?? tokenizer.vocabSize } : undefined,
      qformerText: architecture === 'blip2' && (towers.qformerText || config.stages.some((st) => st.kind === 'qformer')) ? { vocabSize: tokenizer.vocabSize, ...towers.qformerText } : undefined,
    };
  }
  if (start.replace) {
    await clearRun(output);
    log(`replacing the run in ${output} (--force)`);
  }
  const model = from ? from.model : buildModel(spec, config.seed, { lm, vision });
  const stages: StageResult[] = [];
  const connectorExports: string[] = [];
  let interrupted: RunTrainingResult['interrupted'];
  // With resume, the last stage that wrote a checkpoint decides: earlier stages are done, a finished
  // one only lends its weights, a partial one resumes.
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
    if (options.signal?.aborted) {
      // Stopped between stages: the previous stage's final checkpoint is where a resume continues.
      const prev = stages.at(-1);
      interrupted = { stageIndex: i - 1, stage: prev?.stage ?? stage.name, step: prev?.stepsDone ?? 0, totalSteps: prev?.totalSteps ?? 0, checkpoint: prev?.checkpoint };
      break;
    }
    const { samples, images } = prepared.get(i)!;
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
      stage: { ...stageSpec, checkpointEvery: stageSpec.checkpointEvery ?? options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY },
      stageIndex: i, samples, images, seed: config.seed, outDir: output, resumeFrom, loraBase, log, progress: options.progress, signal: options.signal,
    });
    stages.push(result);
    if (result.interrupted) {
      interrupted = { stageIndex: i, stage: stage.name, step: result.stepsDone, totalSteps: result.totalSteps, checkpoint: result.checkpoint };
      break;
    }
    if (model.architecture === 'llava' && !stage.lora && Object.keys(stage.train).every((k) => k === 'connector')) {
      const file = join(checkpoint, 'mm_projector.safetensors');
      await exportConnector(model, file);
      connectorExports.push(file);
      log(`connector exported with upstream names: ${file}`);
    }
  }
  const lossCurvePng = join(output, 'loss-curves.png');
  await writeLossCurvePng(lossCurvePng, stages.map((s) => ({ name: s.stage, points: s.losses.map((l, k) => [k + 1, l] as const) })));
  return { output, model, spec, stages, lossCurvePng, connectorExports, interrupted };
}
