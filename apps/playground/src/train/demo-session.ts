import * as tf from '@tensorflow/tfjs-core';
import { createByteTokenizer, createHfTokenizer, createRng, parseLlavaDataset, type Tokenizer } from '@vlm/core';
import { createScenes, type CaptionedScene, type Scene } from '@vlm/datagen/scenes';
import {
  captionRecords,
  demoModelSpec,
  demoTokenizerJson,
  evaluateHeldOut,
  fullDemoPreset,
  instructionRecords,
  patchLabelsOf,
  patchPrompts,
  pretrainVisionContrastive,
  pretrainingLines,
  pretrainingText,
  tinyDemoPreset,
  tokenizerCorpus,
  type DemoPreset,
  type EvaluatedQuestion,
  type TypeAccuracy,
} from '@vlm/shapes-demo';
import { answer, buildLlavaModel, imageTokensOf, prepareSamples, type ChatModel, type LlavaModel, type LlavaModelSpec } from '@vlm/train';
import type { ImageStore } from '@vlm/train/node';
import { scenePixels } from './scene-pixels';
import { StageRunner, type PixelSource, type StepReport } from './stage-runner';

/**
 * The benchmark's workload: the full preset's model and batch sizes on 256 scenes, 12 steps of vision
 * pretraining and of stage 2 (the two phases that take the time), one step of the others.
 */
export const benchPreset: DemoPreset = {
  ...fullDemoPreset,
  trainScenes: 256,
  testScenes: 1,
  contrastive: { ...fullDemoPreset.contrastive, steps: 12 },
  lmPretrain: { ...fullDemoPreset.lmPretrain, steps: 1 },
  align: { ...fullDemoPreset.align, steps: 1 },
  instruct: { ...fullDemoPreset.instruct, steps: 12 },
};

/** The demo's presets by the name the page uses (`bench` is the benchmark's). */
export const PRESETS: Record<'quick' | 'full' | 'bench', DemoPreset> = { quick: tinyDemoPreset, full: fullDemoPreset, bench: benchPreset };

/** What a session tells the page. */
export type SessionEvent =
  | { type: 'log'; line: string }
  | { type: 'phase'; name: string; index: number; phases: number }
  | { type: 'step'; phase: string; step: number; totalSteps: number; loss: number; seconds: number; doneUnits: number; totalUnits: number }
  | { type: 'paused' }
  | { type: 'result'; accuracy: TypeAccuracy[]; questions: EvaluatedQuestion[]; losses: { name: string; losses: number[] }[]; seconds: number };

/** Thrown inside the (synchronous) vision pretraining to stop it; that phase restarts on resume. */
class PauseSignal extends Error {}

// Lets the worker's message handler run between steps (a resolved promise alone would not).
const channel = typeof MessageChannel !== 'undefined' ? new MessageChannel() : undefined;
const queue: (() => void)[] = [];
if (channel) channel.port1.onmessage = () => queue.shift()?.();
export function yieldToEvents(): Promise<void> {
  if (!channel) return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    queue.push(resolve);
    channel.port2.postMessage(0);
  });
}

/** Rendered, normalised pixels of scenes by image name, batched for the trainer. */
export class ScenePixels implements PixelSource {
  private readonly cache = new Map<string, Float32Array>();
  constructor(private readonly size: number) {}
  add(name: string, scene: Scene): Float32Array {
    let px = this.cache.get(name);
    if (!px) this.cache.set(name, (px = scenePixels(scene)));
    return px;
  }
  async batch(names: readonly string[]): Promise<tf.Tensor4D | undefined> {
    await yieldToEvents();
    if (names.length === 0) return undefined;
    const plane = 3 * this.size * this.size;
    const all = new Float32Array(names.length * plane);
    names.forEach((n, i) => {
      const px = this.cache.get(n);
      if (!px) throw new Error(`no pixels for ${n}`);
      all.set(px, i * plane);
    });
    return tf.tensor4d(all, [names.length, 3, this.size, this.size]);
  }
}

interface Phase {
  name: string;
  units: number;
  run: () => Promise<'done' | 'paused'>;
}

/**
 * The shapes demo of `vlm-train demo`, phase by phase, in memory: the world, records and tokenizer,
 * contrastive vision pretraining, LM pretraining, stage 1, stage 2, then held-out evaluation. It can
 * pause after any step and resume where it stopped.
 */
export class DemoSession {
  readonly preset: DemoPreset;
  readonly pixels: ScenePixels;
  chat?: ChatModel;
  private phases: Phase[] = [];
  private next = 0;
  private doneUnits = 0;
  private readonly losses = new Map<string, number[]>();
  private readonly started = performance.now();
  private spec?: LlavaModelSpec;
  private model?: LlavaModel;
  private tokenizer?: Tokenizer;
  private train: CaptionedScene[] = [];
  private test: CaptionedScene[] = [];

  constructor(
    preset: DemoPreset,
    readonly seed: number,
    private readonly emit: (event: SessionEvent) => void,
    private readonly shouldPause: () => boolean,
  ) {
    this.preset = preset;
    this.pixels = new ScenePixels(preset.imageSize);
    this.plan();
  }

  private get totalUnits(): number {
    return this.phases.reduce((n, p) => n + p.units, 0);
  }

  private step(phase: string, r: Pick<StepReport, 'step' | 'totalSteps' | 'loss' | 'seconds'>): void {
    let series = this.losses.get(phase);
    if (!series) this.losses.set(phase, (series = []));
    series[r.step - 1] = r.loss;
    series.length = r.step;
    this.doneUnits += 1;
    this.emit({ type: 'step', phase, ...r, doneUnits: this.doneUnits, totalUnits: this.totalUnits });
  }

  private plan(): void {
    const p = this.preset;
    const seed = this.seed;
    const log = (line: string) => this.emit({ type: 'log', line });
    const rng = createRng(seed);
    let instructData: ReturnType<typeof parseLlavaDataset> = [];
    let alignData: ReturnType<typeof parseLlavaDataset> = [];
    let lines: string[] = [];
    const runners = new Map<string, StageRunner>();
    const stagePhase = (name: string, units: number, make: () => StageRunner): Phase => ({
      name,
      units,
      run: async () => {
        let runner = runners.get(name);
        if (!runner) runners.set(name, (runner = make()));
        const outcome = await runner.run();
        if (outcome === 'done') {
          runner.dispose();
          log(`${name}: ${runner.totalSteps} steps, loss ${runner.losses[0]?.toFixed(3)} -> ${runner.losses.at(-1)?.toFixed(3)}`);
        }
        return outcome;
      },
    });
    const onStep = (name: string) => (r: StepReport) => this.step(name, r);

    this.phases = [
      {
        name: 'synthetic world, records and tokenizer',
        units: 1,
        run: async () => {
          const scenes = createScenes({ count: p.trainScenes + p.testScenes, seed, size: p.imageSize, minObjects: 1, maxObjects: p.maxObjects, objectScale: p.objectScale });
          this.train = scenes.slice(0, p.trainScenes);
          this.test = scenes.slice(p.trainScenes);
          for (const s of scenes) this.pixels.add(s.image, s);
          // The records go through the same validation as a dataset file would.
          alignData = parseLlavaDataset(captionRecords(this.train, rng.fork('captions')), { file: 'align.json' });
          instructData = parseLlavaDataset(instructionRecords(this.train, p.mix, seed, rng.fork('instruct')), { file: 'instruct.json' });
          lines = pretrainingLines(this.train, seed);
          if (p.tokenizer.kind === 'bpe') {
            const corpus = tokenizerCorpus(lines, [
              { records: alignData, template: 'plain' },
              { records: instructData, template: 'vicuna_v1', systemMessage: p.systemMessage },
            ]);
            this.tokenizer = createHfTokenizer(demoTokenizerJson(corpus, p.tokenizer.vocabSize), { name: 'hf:tokenizer.json' });
          } else this.tokenizer = createByteTokenizer();
          this.spec = demoModelSpec(p, this.tokenizer);
          this.model = buildLlavaModel(this.spec, seed);
          log(`world: ${p.trainScenes} training and ${p.testScenes} unseen scenes, ${p.imageSize} px; ${alignData.length} caption and ${instructData.length} instruction records; tokenizer ${this.tokenizer.vocabSize} pieces`);
          this.step('setup', { step: 1, totalSteps: 1, loss: Number.NaN, seconds: 0 });
          return 'done';
        },
      },
      {
        name: 'vision pretraining (contrastive)',
        units: p.contrastive.steps,
        run: async () => {
          const model = this.model as LlavaModel;
          const prompts = patchPrompts();
          const pairs = this.train.map((s) => ({ pixels: this.pixels.add(s.image, s), caption: s.captions.join(' '), patchLabels: patchLabelsOf(s, p.imageSize, p.patchSize, prompts) }));
          const before = this.doneUnits;
          let last = performance.now();
          try {
            pretrainVisionContrastive(model.vision, pairs, {
              ...p.contrastive,
              patchTexts: prompts,
              patchLayer: p.featureLayer,
              seed,
              progress: (step, loss) => {
                const now = performance.now();
                this.step('vision (contrastive)', { step, totalSteps: p.contrastive.steps, loss, seconds: (now - last) / 1000 });
                last = now;
                if (step < p.contrastive.steps && this.shouldPause()) throw new PauseSignal();
              },
            });
          } catch (error) {
            if (!(error instanceof PauseSignal)) throw error;
            // This phase is one synchronous call: on resume it starts again from a fresh model.
            this.doneUnits = before;
            this.losses.delete('vision (contrastive)');
            this.model = buildLlavaModel(this.spec as LlavaModelSpec, seed);
            return 'paused';
          }
          return 'done';
        },
      },
      stagePhase('lm-pretrain', p.lmPretrain.steps, () => new StageRunner({
        model: this.model as LlavaModel, spec: this.spec as LlavaModelSpec, seed, images: this.pixels, onStep: onStep('lm-pretrain'), shouldPause: this.shouldPause,
        samples: pretrainingText(lines, this.tokenizer as Tokenizer),
        stage: { name: 'lm-pretrain', template: 'plain', train: { lm: p.lmPretrain.learningRate }, steps: p.lmPretrain.steps, globalBatchSize: p.lmPretrain.batchSize, warmupRatio: 0.05, minLrRatio: 0.1 },
      })),
      stagePhase('align', p.align.steps, () => new StageRunner({
        model: this.model as LlavaModel, spec: this.spec as LlavaModelSpec, seed, images: this.pixels, onStep: onStep('align'), shouldPause: this.shouldPause,
        samples: prepareSamples(alignData, { tokenizer: this.tokenizer as Tokenizer, template: 'plain', imageTokens: imageTokensOf(this.spec as LlavaModelSpec), seed }),
        stage: { name: 'align', template: 'plain', train: { connector: p.align.learningRate }, steps: p.align.steps, globalBatchSize: p.align.batchSize, warmupRatio: 0.05 },
      })),
      stagePhase('instruct', p.instruct.steps, () => new StageRunner({
        model: this.model as LlavaModel, spec: this.spec as LlavaModelSpec, seed, images: this.pixels, onStep: onStep('instruct'), shouldPause: this.shouldPause,
        samples: prepareSamples(instructData, { tokenizer: this.tokenizer as Tokenizer, template: 'vicuna_v1', systemMessage: p.systemMessage, imageTokens: imageTokensOf(this.spec as LlavaModelSpec), seed }),
        stage: {
          name: 'instruct', template: 'vicuna_v1', systemMessage: p.systemMessage, train: { connector: p.instruct.connectorLr, lm: p.instruct.lmLr },
          steps: p.instruct.steps, globalBatchSize: p.instruct.batchSize, warmupRatio: 0.05, minLrRatio: 0.05,
        },
      })),
      {
        name: 'held-out evaluation',
        units: 1,
        run: async () => {
          this.chat = { model: this.model as LlavaModel, tokenizer: this.tokenizer as Tokenizer, template: 'vicuna_v1', systemMessage: p.systemMessage };
          const images = this.pixels as unknown as ImageStore;
          const evaluation = await evaluateHeldOut(this.chat, this.test, images, seed, p.maxObjects);
          this.step('evaluation', { step: 1, totalSteps: 1, loss: Number.NaN, seconds: 0 });
          this.emit({
            type: 'result',
            accuracy: evaluation.accuracy,
            questions: evaluation.questions.slice(0, 40),
            losses: [...this.losses].filter(([name]) => name !== 'setup' && name !== 'evaluation').map(([name, losses]) => ({ name, losses })),
            seconds: (performance.now() - this.started) / 1000,
          });
          return 'done';
        },
      },
    ];
  }

  /** Runs phases from where the session stands until the end or a pause. */
  async run(): Promise<'done' | 'paused'> {
    while (this.next < this.phases.length) {
      const phase = this.phases[this.next]!;
      this.emit({ type: 'phase', name: phase.name, index: this.next, phases: this.phases.length });
      const outcome = await phase.run();
      if (outcome === 'paused') {
        this.emit({ type: 'paused' });
        return 'paused';
      }
      this.next++;
    }
    return 'done';
  }

  /** Answers a question about a scene with the trained model. */
  async ask(scene: Scene, question: string): Promise<string> {
    if (!this.chat) throw new Error('train first');
    return askAbout(this.chat, scene, question);
  }
}

/** One question about one scene, with the image, greedy, as the demo's evaluation asks. */
export async function askAbout(chat: ChatModel, scene: Scene, question: string): Promise<string> {
  const size = chat.model.vision.config.imageSize;
  if (scene.width !== size || scene.height !== size) throw new Error(`the scene is ${scene.width}x${scene.height} px but the model reads ${size}x${size}`);
  const pixels = tf.tensor4d(scenePixels(scene), [1, 3, size, size]);
  try {
    return await answer(chat, [{ from: 'human', value: `<image>\n${question}` }], { pixelValues: pixels, maxNewTokens: 24 });
  } finally {
    pixels.dispose();
  }
}
