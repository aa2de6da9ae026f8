import { join, relative } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { VlmError, type Tokenizer, createRng } from '@vlm/core';
import { VISION_PREFIX } from '../compose/llava';
import type { ModuleHandle } from '../compose/modules';
import type { VisionLanguageModel } from '../compose/vision-language-model';
import { type ModelSpec, imageTokensOf, modelSpecToJson } from '../checkpoint/model-spec';
import type { TokenizerSpec } from '../checkpoint/tokenizer-spec';
import { saveCheckpoint } from '../checkpoint/save-checkpoint';
import { loadCheckpointWeights, loadOptimizerState, readCheckpointMeta } from '../checkpoint/load-checkpoint';
import type { LoraBase } from '../checkpoint/checkpoint-meta';
import { attachLora, mergeLora } from '../lora/llava-lora';
import type { LoraAdapters } from '../lora/lora-adapters';
import { NON_LORA_TRAINABLES, loadLoraWeights, nonLoraModulesIn } from '../lora/lora-checkpoint';
import type { ImageStore } from '../data/image-store';
import type { TrainSample } from '../data/prepare-samples';
import { type DataPosition, batchesPerEpoch, epochOrder, positionOfStep } from '../data/epoch-order';
import { AdamW, type OptimizedParam, clipByGlobalNorm } from './adamw';
import { MetricsLog, type StepMetrics } from './metrics-log';
import { DEFAULT_VISION_FEATURE_CACHE_BYTES, VisionFeatureCache } from './vision-feature-cache';
import { planBatches } from './micro-batches';
import { lmBatchLoss } from './batch-loss';
import { qformerStageLoss } from './qformer-stage-loss';
import { parameterTable, stageMemoryEstimate } from './parameter-table';
import { formatProgress } from './progress-line';
import { learningRateAt, warmupStepsFor } from './schedule';
import { type ModuleName, type StageSpec, type StageSpecInput, stageSchema } from './stage';

/** Options of {@link trainStage}. */
export interface TrainStageOptions {
  /** Any architecture (llava, blip2, flamingo); its modules decide which names `train` may list. */
  model: VisionLanguageModel;
  spec: ModelSpec;
  tokenizer: Tokenizer;
  /** Saved in checkpoints so chat and eval rebuild the same tokenizer. */
  tokenizerSpec: TokenizerSpec;
  /** A tokenizer.json to copy into checkpoints (hf tokenizers). */
  tokenizerFile?: string;
  stage: StageSpecInput | StageSpec;
  stageIndex?: number;
  samples: readonly TrainSample[];
  /** Pixels of the samples' images (required when any sample has one). */
  images?: ImageStore;
  /** One seed for the data order (init was seeded when the model was built). */
  seed: number;
  /** Checkpoints go to `<outDir>/checkpoints/<index>-<stage>`, metrics to `<outDir>/metrics.jsonl`. */
  outDir?: string;
  /**
   * What a LoRA stage's adapters sit on, recorded in its checkpoints (never copied): the previous
   * stage's checkpoint folder, or the run's initial model. Required for a LoRA stage that saves.
   */
  loraBase?: LoraBase;
  /** Resume this stage from a checkpoint folder it wrote. */
  resumeFrom?: string;
  /** Stop (with a checkpoint) once this many optimizer steps of the stage are done. */
  stopAfterStep?: number;
  /** When aborted (Ctrl-C), the step under way finishes, a checkpoint is saved and the stage returns `interrupted`. */
  signal?: AbortSignal;
  /** Stage header, table and summary lines. */
  log?: (line: string) => void;
  /** The progress line, rewritten every step. */
  progress?: (line: string) => void;
  /** Called after every step (metrics already written). */
  onStep?: (metrics: StepMetrics) => void;
  /**
   * Memory for the frozen vision tower's features per image (default 256 MiB; 0 = off). While the stage
   * does not train the tower, an image's features are computed once and reused whenever it comes back,
   * with the same values; images beyond the budget are computed every time.
   */
  visionFeatureCacheBytes?: number;
}

/** What a stage did. */
export interface StageResult {
  stage: string;
  /** Loss of every step of the stage (including steps before a resume). */
  losses: number[];
  stepsDone: number;
  totalSteps: number;
  seconds: number;
  tokens: number;
  trainedTokens: number;
  checkpoint?: string;
  /** Stopped early by `signal` after `stepsDone` steps (a checkpoint of that step was saved). */
  interrupted?: boolean;
  /** With a frozen vision tower: images whose features came from the cache / were computed, and the cache's bytes. */
  visionFeatures?: { hits: number; misses: number; bytes: number };
}

/** Parses a stage spec; every error names its field (`stages[1].train.lm` style paths). */
export function parseStage(input: StageSpecInput | StageSpec, path = 'stage'): StageSpec {
  const parsed = stageSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = [path, ...(issue?.path ?? []).map(String)].join('.');
  throw new VlmError('config_invalid', `${field}: ${issue?.message ?? 'invalid'}`, { location: { field }, hint: 'see StageSpec in the @vlm/train README' });
}

/** Folder of a stage's checkpoint inside a run's output folder. */
export function stageCheckpointDir(outDir: string, stageIndex: number, name: string): string {
  return join(outDir, 'checkpoints', `${stageIndex}-${name}`);
}

/** Seed of the LoRA dropout masks of one micro-batch: a function of the run seed and position only, so a resume draws the same masks. */
function dropoutSeed(seed: number, step: number, micro: number): number {
  return (Math.imul(seed + 1, 1_000_003) + step * 4_099 + micro) >>> 0;
}

function sampleTokens(s: TrainSample, perImage: number): number {
  return s.inputIds.length + s.images.length * (perImage - 1);
}

/**
 * Trains one stage: freezes every module the stage does not list, runs AdamW with warmup + cosine
 * and gradient clipping over global batches (micro-batches accumulated), logs progress and metrics,
 * and writes checkpoints. A non-finite loss stops the run before the update, leaving the last
 * checkpoint untouched. Resuming from a checkpoint reproduces the uninterrupted losses exactly.
 */
export async function trainStage(options: TrainStageOptions): Promise<StageResult> {
  const stage = parseStage(options.stage);
  const stageIndex = options.stageIndex ?? 0;
  const { model, samples } = options;
  const log = options.log ?? (() => {});
  const perImage = imageTokensOf(options.spec);
  const plan = planBatches(stage.globalBatchSize, stage.maxMicroBatchSize);
  const perEpoch = batchesPerEpoch(samples.length, plan.globalBatchSize);
  if (perEpoch === 0) {
    throw new VlmError('dataset_too_small', `stage ${stage.name} has ${samples.length} samples, fewer than one global batch of ${plan.globalBatchSize}`, {
      location: { field: 'globalBatchSize' },
      hint: 'lower globalBatchSize or add data',
    });
  }
  const totalSteps = stage.steps ?? (stage.epochs as number) * perEpoch;
  const warmupSteps = warmupStepsFor(totalSteps, stage.warmupRatio);
  if (samples.some((s) => s.images.length > 0) && !options.images) {
    throw new VlmError('config_invalid', `stage ${stage.name} has image samples but no image store`, { hint: 'pass images: new ImageStore({ root, size })' });
  }

  const checkpointDir = options.outDir ? stageCheckpointDir(options.outDir, stageIndex, stage.name) : undefined;
  if (stage.lora && model.architecture !== 'llava') {
    throw new VlmError('config_invalid', `stage ${stage.name} trains LoRA adapters, which this trainer supports on llava models only (this one is ${model.architecture})`, {
      location: { field: `stages[${stageIndex}].lora` },
      hint: 'drop lora from the stage, or use model.architecture: llava',
    });
  }
  if (stage.lora && checkpointDir && !options.loraBase) {
    throw new VlmError('lora_base_unknown', `LoRA stage ${stage.name} saves checkpoints but its base is not known`, {
      location: { field: `stages[${stageIndex}].lora` },
      hint: 'pass loraBase (the previous stage\'s checkpoint folder, or { init: { seed } }) to trainStage',
    });
  }
  // Weights first: a resume restores the base (and adapters); a LoRA stage attaches its adapters
  // (folding any earlier ones in); a full stage trains the merged weights.
  const resumeMeta = options.resumeFrom ? await readCheckpointMeta(options.resumeFrom) : undefined;
  if (options.resumeFrom && resumeMeta) {
    if (resumeMeta.stage.index !== stageIndex || resumeMeta.stage.name !== stage.name || Boolean(resumeMeta.lora) !== Boolean(stage.lora)) {
      throw new VlmError('checkpoint_stage', `${options.resumeFrom} was written by stage ${resumeMeta.stage.index} (${resumeMeta.stage.name}${resumeMeta.lora ? ', LoRA' : ''}), not ${stageIndex} (${stage.name}${stage.lora ? ', LoRA' : ''})`, {
        location: { file: options.resumeFrom, field: 'stage' },
        hint: 'resume each stage from its own checkpoint',
      });
    }
    await loadCheckpointWeights(model, options.resumeFrom);
  } else if (model.architecture !== 'llava') {
    // LoRA is llava-only (checked above).
  } else if (stage.lora?.from) {
    // A PEFT adapter folder; LLaVA's non-LoRA trainables beside it (the projector) come along.
    const modules = await nonLoraModulesIn(stage.lora.from);
    await loadLoraWeights(model, stage.lora.from, modules);
    const loaded = model.lora as unknown as LoraAdapters;
    log(`LoRA adapters loaded from ${stage.lora.from} (r ${loaded.shape.r}, alpha ${loaded.shape.alpha}, ${loaded.modules().length} layers${modules.length ? `; ${modules.join(', ')} from ${NON_LORA_TRAINABLES}` : ''})`);
  } else if (stage.lora) {
    attachLora(model, stage.lora, createRng(options.seed).fork(`lora-${stageIndex}-${stage.name}`));
  } else mergeLora(model);
  const lora = stage.lora && model.architecture === 'llava' ? model.lora : undefined;

  // Freeze what the stage does not train; collect the rest with their learning-rate group.
  const modules = model.modules as Record<string, ModuleHandle>;
  const available = Object.keys(modules);
  for (const n of Object.keys(stage.train)) {
    if (!available.includes(n)) {
      throw new VlmError('config_invalid', `stage ${stage.name} trains "${n}", which a ${model.architecture} model does not have`, {
        location: { field: `stages[${stageIndex}].train.${n}` },
        hint: `a ${model.architecture} model has the modules ${available.join(', ')}`,
      });
    }
  }
  const qformerKind = stage.kind === 'qformer';
  if (qformerKind) checkQFormerStage(model, stage, stageIndex, samples);
  const trained = available.filter((n) => stage.train[n as ModuleName] !== undefined) as ModuleName[];
  for (const n of available) modules[n]!.setTrainable(stage.train[n as ModuleName] !== undefined);
  const params: OptimizedParam[] = [];
  for (const n of trained) for (const [name, variable] of modules[n]!.namedVariables()) params.push({ key: `${n}.${name}`, group: n, variable });
  // BLIP-2 stage 1 also trains the Q-Former's text side (its embeddings, text FFNs and heads) at the Q-Former's rate.
  const textHeads = model.architecture === 'blip2' ? model.textHeads : undefined;
  if (qformerKind && textHeads) for (const [name, variable] of textHeads.weights()) params.push({ key: `qformer_text.${name}`, group: 'qformer', variable });
  if (lora) for (const p of lora.params.entries()) params.push({ key: `lora.${p.name}`, group: 'lora', variable: p.variable });
  const groups: string[] = lora ? [...trained, 'lora'] : trained;
  const keyOf = new Map(params.map((p) => [p.variable.name, p.key]));
  const variables = params.map((p) => p.variable);
  const optimizer = new AdamW(params, { beta1: stage.beta1, beta2: stage.beta2, weightDecay: stage.weightDecay });
  const peakOf = (group: string) => (group === 'lora' ? (stage.lora?.lr as number) : (stage.train[group as ModuleName] as number));
  const lrAt = (step: number, group: string) => learningRateAt(step, { peak: peakOf(group), totalSteps, warmupSteps, minLrRatio: stage.minLrRatio });

  const metrics = options.outDir ? new MetricsLog(join(options.outDir, 'metrics.jsonl')) : undefined;
  let startStep = 0;
  const losses: number[] = [];
  if (options.resumeFrom && resumeMeta) {
    const meta = resumeMeta;
    await loadOptimizerState(optimizer, options.resumeFrom, meta);
    startStep = meta.step;
    losses.push(...meta.losses);
    metrics?.truncateAfter(stageIndex, startStep);
    log(`resumed ${stage.name} from ${options.resumeFrom} at step ${startStep}/${totalSteps}`);
  }

  const meanLength = samples.reduce((s, x) => s + sampleTokens(x, perImage), 0) / Math.max(1, samples.length);
  const memory = stageMemoryEstimate(model, options.spec, stage, plan.microBatchSize, Math.ceil(meanLength));
  log(`stage ${stageIndex} ${stage.name}: template ${stage.template}, ${samples.length} samples, ${totalSteps} steps (${perEpoch}/epoch), global batch ${plan.globalBatchSize} = ${plan.accumulation} x ${plan.microBatchSize}, warmup ${warmupSteps}`);
  for (const line of parameterTable(model, stage, memory)) log(line);

  const orders = new Map<number, number[]>();
  const orderOf = (epoch: number) => {
    let o = orders.get(epoch);
    if (!o) orders.set(epoch, (o = epochOrder(samples.length, options.seed, epoch)));
    return o;
  };
  const selection = model.featureSelection;
  const visionTrains = stage.train.vision !== undefined || (lora?.modules().some((m) => m.startsWith(VISION_PREFIX)) ?? false);
  const loraBase = options.loraBase && checkpointDir && 'checkpoint' in options.loraBase ? { checkpoint: relative(checkpointDir, options.loraBase.checkpoint) || '.' } : options.loraBase;

  let saved = options.resumeFrom !== undefined;
  const save = async (stepsDone: number) => {
    if (!checkpointDir) return;
    saved = true;
    const next: DataPosition = positionOfStep(stepsDone, perEpoch);
    await saveCheckpoint(checkpointDir, {
      model,
      optimizer,
      tokenizerFile: options.tokenizerFile,
      meta: {
        model: modelSpecToJson(options.spec),
        tokenizer: { ...options.tokenizerSpec, name: options.tokenizer.name, vocabSize: options.tokenizer.vocabSize },
        template: stage.template,
        systemMessage: stage.systemMessage,
        seed: options.seed,
        stage: { index: stageIndex, name: stage.name, spec: stage as unknown as Record<string, unknown> },
        step: stepsDone,
        totalSteps,
        dataPosition: next,
        losses: losses.slice(),
        lora: lora && loraBase ? { base: loraBase, nonLoraModules: trained as ('vision' | 'connector' | 'lm')[] } : undefined,
      },
    });
  };

  const cacheBytes = options.visionFeatureCacheBytes ?? DEFAULT_VISION_FEATURE_CACHE_BYTES;
  const featureCache = !visionTrains && cacheBytes > 0 ? new VisionFeatureCache(cacheBytes) : undefined;
  const started = performance.now();
  let tokensAll = 0;
  let trainedAll = 0;
  let endStep = Math.min(totalSteps, options.stopAfterStep ?? totalSteps);
  let interrupted = false;
  for (let step = startStep; step < endStep; step++) {
    const t0 = performance.now();
    const { epoch, batch } = positionOfStep(step, perEpoch);
    const indices = orderOf(epoch).slice(batch * plan.globalBatchSize, (batch + 1) * plan.globalBatchSize);
    const globalBatch = indices.map((i) => samples[i] as TrainSample);
    const globalTrained = globalBatch.reduce((s, x) => s + x.trainedTokens, 0);
    const tokens = globalBatch.reduce((s, x) => s + sampleTokens(x, perImage), 0);
    const acc = new Map<string, tf.Tensor>();
    let loss = 0;
    for (let m = 0; m < plan.accumulation; m++) {
      const micro = globalBatch.slice(m * plan.microBatchSize, (m + 1) * plan.microBatchSize);
      const imageKeys = micro.flatMap((s) => s.images);
      let features = featureCache?.batch(imageKeys);
      const pixels = features ? undefined : await options.images?.batch(imageKeys);
      if (pixels && !visionTrains) {
        features = tf.tidy(() => model.vision.features(pixels, selection));
        featureCache?.store(imageKeys, features);
      }
      if (lora) {
        lora.training = true;
        lora.seedDropout(dropoutSeed(options.seed, step, m));
      }
      const { value, grads } = tf.variableGrads(() => {
        if (qformerKind && model.architecture === 'blip2') {
          const captions = micro.map((x) => x.labels.filter((l) => l >= 0));
          const feats = features ?? model.vision.features(pixels as tf.Tensor4D, selection);
          // Hard negatives are drawn per (step, micro-batch), so a resumed run draws the same ones.
          const rng = createRng(options.seed).fork(`itm-${step}-${m}`);
          return tf.mul(qformerStageLoss(model, captions, feats, rng).loss, micro.length / plan.globalBatchSize) as tf.Scalar;
        }
        return lmBatchLoss(model, micro, { pixels: visionTrains ? pixels : undefined, features }, Math.max(1, globalTrained));
      }, variables);
      if (lora) lora.training = false;
      loss += (await value.data())[0] as number;
      value.dispose();
      pixels?.dispose();
      features?.dispose();
      for (const [name, g] of Object.entries(grads)) {
        const key = keyOf.get(name) as string;
        const prev = acc.get(key);
        if (prev) {
          acc.set(key, tf.add(prev, g));
          prev.dispose();
          g.dispose();
        } else acc.set(key, g);
      }
    }
    if (!Number.isFinite(loss)) {
      tf.dispose([...acc.values()]);
      optimizer.dispose();
      const kept = checkpointDir && saved ? ` The last good checkpoint is kept at ${checkpointDir}.` : ' No checkpoint of this stage was written yet.';
      throw new VlmError('loss_not_finite', `The loss became ${loss} at step ${step + 1} of stage ${stage.name}; training stopped before the update.${kept}`, {
        location: { field: `stages[${stageIndex}]` },
        hint: 'lower the learning rate, raise warmup, keep gradient clipping on (maxGradNorm), and check the data of this batch',
      });
    }
    const gradNorm = clipByGlobalNorm(acc, stage.maxGradNorm);
    optimizer.apply(acc, (group) => lrAt(step, group));
    tf.dispose([...acc.values()]);
    losses.push(loss);

    const seconds = (performance.now() - t0) / 1000;
    tokensAll += tokens;
    trainedAll += globalTrained;
    const lr = Object.fromEntries(groups.map((n) => [n, lrAt(step, n)]));
    const stepMetrics: StepMetrics = { stage: stage.name, stageIndex, step: step + 1, loss, lr, gradNorm, tokens, trainedTokens: globalTrained, seconds, tokensPerSecond: tokens / seconds };
    metrics?.append(stepMetrics);
    const elapsed = (performance.now() - started) / 1000;
    const done = step + 1 - startStep;
    options.progress?.(
      formatProgress({
        stage: stage.name,
        step: step + 1,
        totalSteps,
        loss,
        lr: lrAt(step, groups[groups.length - 1] as string),
        tokensPerSecond: tokensAll / elapsed,
        etaSeconds: (elapsed / done) * (totalSteps - step - 1),
      }),
    );
    // A step can run entirely on resolved promises (wasm kernels, cached pixels), which never lets
    // the event loop deliver a signal; give it one turn per step so Ctrl-C stops at this boundary.
    if (options.signal) await new Promise<void>((resolve) => setImmediate(resolve));
    if (options.signal?.aborted && step + 1 < endStep) {
      interrupted = true;
      endStep = step + 1;
    }
    if (checkpointDir && stage.checkpointEvery && (step + 1) % stage.checkpointEvery === 0 && step + 1 < endStep) await save(step + 1);
    options.onStep?.(stepMetrics);
  }
  await save(endStep);
  optimizer.dispose();
  const seconds = (performance.now() - started) / 1000;
  log(`stage ${stage.name} ${interrupted ? `interrupted at step ${endStep}/${totalSteps}` : 'done'}: ${endStep - startStep} steps in ${seconds.toFixed(1)} s, final loss ${losses.at(-1)?.toFixed(4) ?? '-'}, ${Math.round(tokensAll / Math.max(1e-9, seconds))} tok/s`);
  const visionFeatures = featureCache ? { hits: featureCache.hits, misses: featureCache.misses, bytes: featureCache.size } : undefined;
  return { stage: stage.name, losses, stepsDone: endStep, totalSteps, seconds, tokens: tokensAll, trainedTokens: trainedAll, checkpoint: checkpointDir, interrupted, visionFeatures };
}

/** A `kind: qformer` stage needs a BLIP-2 model with its text side and image-caption samples (one image each). */
function checkQFormerStage(model: VisionLanguageModel, stage: StageSpec, stageIndex: number, samples: readonly TrainSample[]): void {
  if (model.architecture !== 'blip2') {
    throw new VlmError('config_invalid', `stage ${stage.name} is kind qformer (BLIP-2 stage 1), but the model is ${model.architecture}`, {
      location: { field: `stages[${stageIndex}].kind` },
      hint: 'set model.architecture: blip2, or drop kind: qformer',
    });
  }
  if (stage.train.qformer === undefined) {
    throw new VlmError('config_invalid', `stage ${stage.name} is kind qformer but does not train the qformer`, { location: { field: `stages[${stageIndex}].train.qformer` }, hint: 'add train.qformer with its learning rate (1e-4 in BLIP-2)' });
  }
  const bad = samples.find((x) => x.images.length !== 1 || !x.labels.some((l) => l >= 0));
  if (bad) {
    throw new VlmError('dataset_invalid', `stage ${stage.name} (kind qformer) needs image-caption pairs, but sample ${bad.id} has ${bad.images.length} image(s) and ${bad.labels.some((l) => l >= 0) ? 'a' : 'no'} caption`, {
      location: { field: `stages[${stageIndex}].data`, id: bad.id },
      hint: 'give every record exactly one image and the caption as its first answer',
    });
  }
}
