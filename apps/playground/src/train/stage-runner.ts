import * as tf from '@tensorflow/tfjs-core';
import {
  AdamW,
  LLAVA_FEATURE_SELECTION,
  batchesPerEpoch,
  clipByGlobalNorm,
  epochOrder,
  imageTokensOf,
  learningRateAt,
  maskedCrossEntropy,
  planBatches,
  positionOfStep,
  spliceBatch,
  stageSchema,
  warmupStepsFor,
  type LlavaModel,
  type LlavaModelSpec,
  type ModuleName,
  type OptimizedParam,
  type StageSpec,
  type StageSpecInput,
  type TrainSample,
} from '@vlm/train';
import { VlmError } from '@vlm/core';

/** The modules of a LLaVA model (the runner trains llava models). */
const LLAVA_MODULES = ['vision', 'connector', 'lm'] as const;

/** Normalised pixels of a batch of images by name (the page renders scenes itself; no files). */
export interface PixelSource {
  batch(names: readonly string[]): Promise<tf.Tensor4D | undefined>;
}

/** One optimizer step as the page reports it. */
export interface StepReport {
  stage: string;
  step: number;
  totalSteps: number;
  loss: number;
  seconds: number;
}

/** Options of {@link StageRunner}. */
export interface StageRunnerOptions {
  model: LlavaModel;
  spec: LlavaModelSpec;
  stage: StageSpecInput;
  samples: readonly TrainSample[];
  images?: PixelSource;
  seed: number;
  onStep?: (report: StepReport) => void;
  /** Checked after every step: true pauses the stage (its optimizer and data position stay in memory). */
  shouldPause?: () => boolean;
}

function sampleTokens(s: TrainSample, perImage: number): number {
  return s.inputIds.length + s.images.length * (perImage - 1);
}

/**
 * One training stage that can pause and resume in the page: the same step as `trainStage` in
 * `@vlm/train/node` (frozen modules, AdamW with per-module learning rates, warmup + cosine, global-norm
 * clipping, micro-batch accumulation, seeded epoch order, the LM head only at trained positions), with
 * the state kept in memory instead of checkpoint files. `stage-runner.test.ts` checks the losses equal
 * `trainStage`'s step for step.
 */
export class StageRunner {
  readonly stage: StageSpec;
  readonly totalSteps: number;
  readonly losses: number[] = [];
  step = 0;
  private readonly optimizer: AdamW;
  private readonly variables: tf.Variable[];
  private readonly keyOf: Map<string, string>;
  private readonly trained: (typeof LLAVA_MODULES)[number][];
  private readonly perEpoch: number;
  private readonly perImage: number;
  private readonly plan: ReturnType<typeof planBatches>;
  private readonly warmupSteps: number;
  private readonly orders = new Map<number, number[]>();

  constructor(private readonly o: StageRunnerOptions) {
    const parsed = stageSchema.safeParse(o.stage);
    if (!parsed.success) throw new VlmError('config_invalid', `stage: ${parsed.error.issues[0]?.message ?? 'invalid'}`, { location: { field: 'stage' } });
    this.stage = parsed.data;
    this.plan = planBatches(this.stage.globalBatchSize, this.stage.maxMicroBatchSize);
    this.perEpoch = batchesPerEpoch(o.samples.length, this.plan.globalBatchSize);
    if (this.perEpoch === 0) {
      throw new VlmError('dataset_too_small', `stage ${this.stage.name} has ${o.samples.length} samples, fewer than one global batch of ${this.plan.globalBatchSize}`, {
        location: { field: 'globalBatchSize' },
        hint: 'lower globalBatchSize or add data',
      });
    }
    this.totalSteps = this.stage.steps ?? (this.stage.epochs as number) * this.perEpoch;
    this.warmupSteps = warmupStepsFor(this.totalSteps, this.stage.warmupRatio);
    this.perImage = imageTokensOf(o.spec);
    this.trained = LLAVA_MODULES.filter((n) => this.stage.train[n] !== undefined);
    const params: OptimizedParam[] = [];
    for (const n of this.trained) for (const [name, variable] of o.model.modules[n].namedVariables()) params.push({ key: `${n}.${name}`, group: n, variable });
    this.keyOf = new Map(params.map((p) => [p.variable.name, p.key]));
    this.variables = params.map((p) => p.variable);
    this.optimizer = new AdamW(params, { beta1: this.stage.beta1, beta2: this.stage.beta2, weightDecay: this.stage.weightDecay });
  }

  get done(): boolean {
    return this.step >= this.totalSteps;
  }

  private lrAt(step: number, group: string): number {
    return learningRateAt(step, { peak: this.stage.train[group as ModuleName] as number, totalSteps: this.totalSteps, warmupSteps: this.warmupSteps, minLrRatio: this.stage.minLrRatio });
  }

  private orderOf(epoch: number): number[] {
    let order = this.orders.get(epoch);
    if (!order) this.orders.set(epoch, (order = epochOrder(this.o.samples.length, this.o.seed, epoch)));
    return order;
  }

  /** Runs steps until the stage ends (`done`) or `shouldPause` says stop (`paused`). */
  async run(): Promise<'done' | 'paused'> {
    const { model, samples } = this.o;
    // Freezing is set again on every (re)start: another stage may have run in between.
    for (const n of LLAVA_MODULES) model.modules[n].setTrainable(this.stage.train[n] !== undefined);
    const selection = model.options.featureSelection ?? LLAVA_FEATURE_SELECTION;
    const visionTrains = this.stage.train.vision !== undefined;
    const { plan } = this;
    while (this.step < this.totalSteps) {
      const step = this.step;
      const t0 = performance.now();
      const { epoch, batch } = positionOfStep(step, this.perEpoch);
      const globalBatch = this.orderOf(epoch)
        .slice(batch * plan.globalBatchSize, (batch + 1) * plan.globalBatchSize)
        .map((i) => samples[i] as TrainSample);
      const globalTrainedTokens = Math.max(1, globalBatch.reduce((s, x) => s + x.trainedTokens, 0));
      const acc = new Map<string, tf.Tensor>();
      let loss = 0;
      for (let m = 0; m < plan.accumulation; m++) {
        const micro = globalBatch.slice(m * plan.microBatchSize, (m + 1) * plan.microBatchSize);
        const pixels = await this.o.images?.batch(micro.flatMap((s) => s.images));
        const features = pixels && !visionTrains ? tf.tidy(() => model.vision.features(pixels, selection)) : undefined;
        const { value, grads } = tf.variableGrads(() => {
          const imageTokens = model.encodeImages(visionTrains ? pixels : undefined, features, true);
          const spliced = spliceBatch(model.lm, micro, imageTokens);
          const { positions, targets } = spliced.trained;
          if (positions.length === 0) {
            const { logits } = model.lm.forward({ inputsEmbeds: spliced.inputsEmbeds });
            return maskedCrossEntropy(logits, spliced.labels, { globalTrainedTokens });
          }
          const { logits } = model.lm.forward({ inputsEmbeds: spliced.inputsEmbeds, logitPositions: tf.tensor1d(positions, 'int32') });
          return maskedCrossEntropy(logits, tf.tensor2d(targets, [1, targets.length], 'int32'), { globalTrainedTokens, shift: false });
        }, this.variables);
        loss += (await value.data())[0] as number;
        value.dispose();
        pixels?.dispose();
        features?.dispose();
        for (const [name, g] of Object.entries(grads)) {
          const key = this.keyOf.get(name) as string;
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
        throw new VlmError('loss_not_finite', `The loss became ${loss} at step ${step + 1} of stage ${this.stage.name}; training stopped before the update.`, {
          hint: 'lower the learning rate or try another backend (WebGL without float32 textures cannot train)',
        });
      }
      clipByGlobalNorm(acc, this.stage.maxGradNorm);
      this.optimizer.apply(acc, (group) => this.lrAt(step, group));
      tf.dispose([...acc.values()]);
      this.losses.push(loss);
      this.step = step + 1;
      this.o.onStep?.({ stage: this.stage.name, step: this.step, totalSteps: this.totalSteps, loss, seconds: (performance.now() - t0) / 1000 });
      if (this.step < this.totalSteps && this.o.shouldPause?.()) return 'paused';
    }
    return 'done';
  }

  /** Frees the optimizer's moments (the model stays). */
  dispose(): void {
    this.optimizer.dispose();
  }

  /** Tokens per step on average, for the page's throughput line. */
  meanTokens(): number {
    return this.o.samples.reduce((s, x) => s + sampleTokens(x, this.perImage), 0) / Math.max(1, this.o.samples.length);
  }
}
