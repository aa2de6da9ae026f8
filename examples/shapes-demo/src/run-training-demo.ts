import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { VlmError, createRng } from '@vlm/core';
import { type SelectBackendOptions, selectBackend } from '@vlm/connectors';
import { type LlavaModelSpec, buildLlavaModel, imageTokensOf, prepareSamples } from '@vlm/train';
import { type StageResult, ImageStore, exportConnector, loadCheckpoint, loadLlavaCheckpoint, loadLlavaDataset, trainStage, writeLossCurvePng } from '@vlm/train/node';
import { createContrastiveTrainer } from './contrastive-pretrain';
import { startLmPretrainBeside } from './lm-pretrain-beside';
import { lmPretrainStage } from './lm-pretrain-stage';
import { DemoInterruptedError, type DemoStop, abortedAfterYield } from './demo-interrupted';
import { type DemoPreset, fullDemoPreset } from './demo-preset';
import { type EvaluatedQuestion, type TypeAccuracy, evaluateHeldOut } from './evaluate';
import { patchLabelsOf, patchPrompts } from './patch-labels';
import { demoModelSpec } from './demo-model-spec';
import { writeDemoData } from './demo-data';
import { pretrainingText } from './records';
import { type LoraComparisonRow, htmlReport, terminalReport } from './report';
import { buildWorld } from './world';

/** Options of {@link runTrainingDemo}. */
export interface TrainingDemoOptions {
  /** Where data, checkpoints, metrics and the report go. */
  outDir: string;
  seed?: number;
  preset?: DemoPreset;
  /** Pick the TF.js backend first (default true). */
  selectBackend?: boolean;
  /** Replace a demo run already in `outDir` (without it, an existing run is an error and nothing is touched). */
  force?: boolean;
  log?: (line: string) => void;
  progress?: (line: string) => void;
  /**
   * Also run stage 2 with LoRA (adapters on every LM linear + the connector, LM frozen) from the same
   * stage-1 checkpoint, evaluate it the same way, and compare it with full fine-tuning.
   */
  compareLora?: boolean;
  /**
   * Abort (Ctrl-C): the step under way finishes, a training stage saves its checkpoint, and the demo
   * rejects with {@link DemoInterruptedError} (what it stopped in, what its folder holds) before its report.
   */
  signal?: AbortSignal;
  /**
   * Run LM pretraining on a worker thread while the vision tower pretrains (default true; with 2 or more
   * cores on wasm and cpu, since tfjs-node uses every core itself). The same weights, checkpoint and
   * metrics as one after the other.
   */
  lmBeside?: boolean;
}

/** What the demo measured. */
export interface TrainingDemoResult {
  accuracy: TypeAccuracy[];
  questions: EvaluatedQuestion[];
  totalSeconds: number;
  phases: [string, number][];
  stages: StageResult[];
  reportHtml: string;
  lossCurvePng: string;
  checkpoint: string;
  connectorFile: string;
  terminal: string[];
  /** With `compareLora`: full fine-tuning and LoRA side by side. */
  loraComparison?: LoraComparisonRow[];
}

/**
 * The demo's models are small (towers of width 64 and 96): on 2 or more cores, wasm on 2 threads with
 * the toolkit's kernels runs them faster than tfjs-node, where each of the ~500-900 ops of a step pays
 * TensorFlow's eager overhead (2 cores, the default preset: 138-142 s end to end against 203 s on
 * tfjs-node, the same accuracy within a question or two per type). So wasm on 2 threads (the measured
 * configuration; `VLM_WASM_THREADS=auto` takes one per core) goes first there unless `VLM_TF_BACKEND` or
 * `VLM_WASM_THREADS` says otherwise. The trainer keeps tfjs-node first, for real models.
 */
export function demoBackendPreference(): Pick<SelectBackendOptions, 'prefer' | 'wasmThreads'> {
  const env = process.env;
  if (env.VLM_TF_BACKEND || env.VLM_WASM_THREADS || availableParallelism() < 2) return {};
  return { prefer: 'wasm', wasmThreads: 2 };
}

/** What a demo run writes into its folder (and `force` removes first). */
export const DEMO_OUTPUTS = ['world', 'data', 'checkpoints', 'metrics.jsonl', 'loss-curves.png', 'report.html', 'tokenizer.json', 'mm_projector.safetensors'] as const;

/**
 * The built-in demo, end to end: synthetic shape scenes (PNG + captions + boxes) -> symbolic-teacher
 * and short-answer instructions -> contrastive pretraining of a small CLIP-style vision tower and
 * language-model pretraining on the text -> stage 1 (connector only, plain) -> stage 2 (connector +
 * LM, vicuna_v1) -> held-out questions about unseen images with and without the image -> report.
 */
export async function runTrainingDemo(options: TrainingDemoOptions): Promise<TrainingDemoResult> {
  try {
    return await runDemo(options);
  } catch (error) {
    if (!(error instanceof DemoInterruptedError)) throw error;
    throw new DemoInterruptedError(error.stop, savedOutputs(options.outDir));
  }
}

/** What an interrupted demo's folder holds: its outputs, each stage checkpoint by name. */
function savedOutputs(outDir: string): string[] {
  return DEMO_OUTPUTS.filter((name) => existsSync(join(outDir, name))).flatMap((name) =>
    name === 'checkpoints' ? readdirSync(join(outDir, name)).sort().map((c) => join(outDir, name, c)) : [join(outDir, name)],
  );
}

async function runDemo(options: TrainingDemoOptions): Promise<TrainingDemoResult> {
  const signal = options.signal;
  // Between phases: stop when Ctrl-C came in the phase just finished.
  const stopIfAborted = async (stop: DemoStop) => {
    if (await abortedAfterYield(signal)) throw new DemoInterruptedError(stop, []);
  };
  // A training stage that Ctrl-C stopped saved its checkpoint; the demo stops there.
  const stopIfInterrupted = (stageIndex: number, result: StageResult) => {
    if (result.interrupted) throw new DemoInterruptedError({ phase: `stage ${stageIndex} ${result.stage}`, step: result.stepsDone, totalSteps: result.totalSteps, checkpoint: result.checkpoint }, []);
  };
  const found = DEMO_OUTPUTS.filter((name) => existsSync(join(options.outDir, name)));
  if (found.length > 0 && !options.force) {
    throw new VlmError('run_exists', `${options.outDir} already holds a demo run (${found.join(', ')}); it is not overwritten`, {
      location: { file: options.outDir },
      hint: 'choose another folder (vlm-train demo --out <dir>) or replace that run with --force',
    });
  }
  for (const name of found) await rm(join(options.outDir, name), { recursive: true, force: true });
  const p = options.preset ?? fullDemoPreset;
  const seed = options.seed ?? 0;
  const log = options.log ?? (() => {});
  const t0 = performance.now();
  const phases: [string, number][] = [];
  let mark = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    phases.push([name, (now - mark) / 1000]);
    mark = now;
  };
  let backend = tf.getBackend();
  if (options.selectBackend ?? true) {
    const choice = await selectBackend({ log, ...demoBackendPreference() });
    backend = `${choice.tfBackend}${choice.fastKernels ? ` (toolkit kernels${(choice.threads ?? 1) > 1 ? `, ${choice.threads} threads` : ''})` : ''}`;
  }
  await mkdir(options.outDir, { recursive: true });
  const rng = createRng(seed);

  log(`1/7 world: ${p.trainScenes} training and ${p.testScenes} unseen scenes, ${p.imageSize} px`);
  const world = await buildWorld(join(options.outDir, 'world'), { trainScenes: p.trainScenes, testScenes: p.testScenes, size: p.imageSize, maxObjects: p.maxObjects, objectScale: p.objectScale, seed, signal });
  await stopIfAborted({ phase: 'the synthetic world (images)' });
  const images = new ImageStore({ root: world.imageRoot, size: p.imageSize, mode: 'pad' });
  phase('synthetic world');

  // Stage data goes through the real path (LLaVA JSON on disk); a from-scratch LM learns its vocabulary.
  const { dataDir, lines, tokenizerSpec, tokenizerFile, tokenizer } = await writeDemoData(options.outDir, world.train, p, seed, rng);
  phase('records and tokenizer');
  log(`tokenizer: ${p.tokenizer.kind === 'bpe' ? `BPE learned from the training text, ${tokenizer.vocabSize} pieces` : 'byte-level'}`);
  const spec: LlavaModelSpec = demoModelSpec(p, tokenizer);
  const model = buildLlavaModel(spec, seed);
  const contrastive: number[] = [];
  await stopIfAborted({ phase: 'records and tokenizer' });

  const common = { model, spec, tokenizer, tokenizerSpec, tokenizerFile, seed, outDir: options.outDir, log, progress: options.progress, signal };
  // LM pretraining needs nothing from the vision tower: on wasm (and cpu) it runs on a worker thread
  // while this thread trains the tower (lm-pretrain-beside.ts), else after it.
  const beside = options.lmBeside === false ? undefined : await startLmPretrainBeside({ preset: p, seed, lines, tokenizerSpec, tokenizerFile, outDir: options.outDir });
  try {
    log(`2/7 contrastive pretraining of the vision tower (${p.contrastive.steps} steps)${beside ? '; the LM pretrains beside it on a worker thread' : ''}`);
    const prompts = patchPrompts();
    const pairs = [];
    // decoded a few at a time first (sharp's thread pool, so both cores work; 5,000 images 3.4 -> 1.9 s)
    for (let i = 0; i < world.train.length; i += 16) await Promise.all(world.train.slice(i, i + 16).map((s) => images.pixelsOf(s.image)));
    for (const s of world.train) pairs.push({ pixels: await images.pixelsOf(s.image), caption: s.captions.join(' '), patchLabels: patchLabelsOf(s, p.imageSize, p.patchSize, prompts) });
    const clip = createContrastiveTrainer(model.vision, pairs, {
      ...p.contrastive,
      patchTexts: prompts,
      patchLayer: p.featureLayer,
      seed,
      progress: (step, loss) => options.progress?.(`vision-clip  ${step}/${p.contrastive.steps}  loss ${loss.toFixed(4)}`),
    });
    try {
      while (clip.stepsDone < p.contrastive.steps) {
        contrastive.push(clip.step());
        // the LM's worker failed: that stops the demo now, not after the vision tower
        if (beside?.failure) throw beside.failure;
        // one event-loop turn per step, so Ctrl-C is seen at this boundary
        if (clip.stepsDone < p.contrastive.steps && (await abortedAfterYield(signal))) {
          throw new DemoInterruptedError({ phase: 'vision pretraining (contrastive; it keeps no checkpoint)', step: clip.stepsDone, totalSteps: p.contrastive.steps }, []);
        }
      }
    } finally {
      clip.dispose();
    }
    log(`vision tower: contrastive loss ${contrastive[0]?.toFixed(3)} -> ${contrastive.at(-1)?.toFixed(3)}`);
    phase('vision pretraining (contrastive)');
    await stopIfAborted({ phase: 'vision pretraining (contrastive; it keeps no checkpoint)', step: p.contrastive.steps, totalSteps: p.contrastive.steps });
  } catch (error) {
    await beside?.cancel();
    throw error;
  }

  log(`3/7 language-model pretraining on the text${beside ? ' (ran beside the vision tower; its log follows)' : ''}`);
  let lmStage: StageResult;
  if (beside) {
    const done = await beside.finish(model, signal);
    for (const line of done.log) log(line);
    lmStage = done.stage;
  } else {
    lmStage = await trainStage({ ...common, stageIndex: 0, samples: pretrainingText(lines, tokenizer), stage: lmPretrainStage(p) });
  }
  stopIfInterrupted(0, lmStage);
  // beside the vision tower, what is left is the wait for the worker (usually none) and its checkpoint
  phase(beside ? 'LM pretraining (after the vision tower)' : 'LM pretraining');
  await stopIfAborted({ phase: 'stage 0 lm-pretrain', step: lmStage.stepsDone, totalSteps: lmStage.totalSteps, checkpoint: lmStage.checkpoint });

  const perImage = imageTokensOf(spec);

  log('4/7 stage 1: align the connector (plain template, connector only)');
  const align = await loadLlavaDataset(join(dataDir, 'align.json'), world.imageRoot, { imageDecodes: images.decodes });
  const alignStage = await trainStage({
    ...common,
    stageIndex: 1,
    samples: prepareSamples(align.records, { tokenizer, template: 'plain', imageTokens: perImage, seed }),
    images,
    stage: { name: 'align', template: 'plain', train: { connector: p.align.learningRate }, steps: p.align.steps, globalBatchSize: p.align.batchSize, warmupRatio: 0.05 },
  });
  stopIfInterrupted(1, alignStage);
  const connectorFile = join(options.outDir, 'mm_projector.safetensors');
  await exportConnector(model, connectorFile);
  phase('stage 1 (connector)');
  await stopIfAborted({ phase: 'stage 1 align', step: alignStage.stepsDone, totalSteps: alignStage.totalSteps, checkpoint: alignStage.checkpoint });

  log('5/7 stage 2: instruction tuning (vicuna_v1, connector + LM)');
  const instruct = await loadLlavaDataset(join(dataDir, 'instruct.json'), world.imageRoot, { imageDecodes: images.decodes });
  const instructSamples = prepareSamples(instruct.records, { tokenizer, template: 'vicuna_v1', systemMessage: p.systemMessage, imageTokens: perImage, seed });
  const instructStage = await trainStage({
    ...common,
    stageIndex: 2,
    samples: instructSamples,
    images,
    stage: {
      name: 'instruct', template: 'vicuna_v1', systemMessage: p.systemMessage, train: { connector: p.instruct.connectorLr, lm: p.instruct.lmLr },
      steps: p.instruct.steps, globalBatchSize: p.instruct.batchSize, warmupRatio: 0.05, minLrRatio: 0.05,
    },
  });
  stopIfInterrupted(2, instructStage);
  phase('stage 2 (connector + LM)');
  await stopIfAborted({ phase: 'stage 2 instruct', step: instructStage.stepsDone, totalSteps: instructStage.totalSteps, checkpoint: instructStage.checkpoint });

  log(`6/7 held-out questions on ${world.test.length} unseen images (with and without the image)`);
  const loaded = await loadCheckpoint(instructStage.checkpoint as string);
  const evaluation = await evaluateHeldOut(
    { model: loaded.model, tokenizer: loaded.tokenizer, template: loaded.meta.template, systemMessage: loaded.meta.systemMessage },
    world.test,
    images,
    seed,
    p.maxObjects,
    { signal },
  );
  phase('evaluation');

  let loraComparison: LoraComparisonRow[] | undefined;
  let loraStage: StageResult | undefined;
  if (options.compareLora) {
    const q = p.instructLora;
    log(`6b/7 stage 2 again with LoRA (r ${q.r}, alpha ${q.alpha} on every LM linear, LM frozen) + connector, from the same stage-1 checkpoint`);
    const base = await loadCheckpoint(alignStage.checkpoint as string);
    loraStage = await trainStage({
      ...common,
      model: base.model,
      stageIndex: 2,
      samples: instructSamples,
      images,
      loraBase: { checkpoint: alignStage.checkpoint as string },
      stage: {
        name: 'instruct-lora', template: 'vicuna_v1', systemMessage: p.systemMessage, train: { connector: q.connectorLr },
        lora: { r: q.r, alpha: q.alpha, dropout: q.dropout, lr: q.lr }, steps: p.instruct.steps, globalBatchSize: p.instruct.batchSize, warmupRatio: 0.05, minLrRatio: 0.05,
      },
    });
    stopIfInterrupted(2, loraStage);
    phase('stage 2 with LoRA');
    const loadedLora = await loadLlavaCheckpoint(loraStage.checkpoint as string);
    const evaluationLora = await evaluateHeldOut(
      { model: loadedLora.model, tokenizer: loadedLora.tokenizer, template: loadedLora.meta.template, systemMessage: loadedLora.meta.systemMessage },
      world.test,
      images,
      seed,
      p.maxObjects,
      { signal },
    );
    phase('evaluation (LoRA)');
    const perStep = (s: StageResult) => s.seconds / Math.max(1, s.stepsDone);
    loraComparison = [
      { variant: 'full fine-tuning: connector + LM', trainable: model.modules.connector.parameterCount() + model.modules.lm.parameterCount(), secondsPerStep: perStep(instructStage), accuracy: evaluation.accuracy },
      { variant: `LoRA r${q.r} on every LM linear + connector`, trainable: loadedLora.model.modules.connector.parameterCount() + (loadedLora.model.lora?.count() ?? 0), secondsPerStep: perStep(loraStage), accuracy: evaluationLora.accuracy },
    ];
    loadedLora.model.lora?.dispose();
    loadedLora.model.vision.params.dispose();
    loadedLora.model.lm.params.dispose();
    base.model.vision.params.dispose();
    base.model.lm.params.dispose();
  }

  log('7/7 report');
  const lossCurvePng = join(options.outDir, 'loss-curves.png');
  const series = [
    { name: 'vision (contrastive)', points: contrastive.map((l, i) => [i + 1, l] as const) },
    ...[lmStage, alignStage, instructStage, ...(loraStage ? [loraStage] : [])].map((s) => ({ name: s.stage, points: s.losses.map((l, i) => [i + 1, l] as const) })),
  ];
  await writeLossCurvePng(lossCurvePng, series, { title: 'loss per step: vision pretraining, LM pretraining, stage 1, stage 2' });
  const totalSeconds = (performance.now() - t0) / 1000;
  const reportInput = {
    accuracy: evaluation.accuracy,
    questions: evaluation.questions,
    phases,
    totalSeconds,
    lossCurvePng,
    imageRoot: world.imageRoot,
    backend,
    notice: p.notice,
    loraComparison,
    settings: {
      seed,
      'images': `${p.imageSize} px, patch ${p.patchSize} (${perImage} image tokens, vision layer ${p.featureLayer})`,
      'vision tower': `${p.vision.layers} layers, width ${p.vision.hiddenSize}`,
      'language model': `${p.lm.layers} layers, width ${p.lm.hiddenSize}, ${p.tokenizer.kind === 'bpe' ? 'BPE' : 'byte-level'} vocabulary ${tokenizer.vocabSize}`,
      connector: 'mlp2x_gelu',
      'training scenes': p.trainScenes,
      'unseen test scenes': p.testScenes,
      'stage 1': `${p.align.steps} steps x ${p.align.batchSize}`,
      'stage 2': `${p.instruct.steps} steps x ${p.instruct.batchSize}`,
    },
  };
  const reportHtml = join(options.outDir, 'report.html');
  await writeFile(reportHtml, await htmlReport(reportInput));
  const terminal = terminalReport(reportInput);
  loaded.model.vision.params.dispose();
  loaded.model.lm.params.dispose();
  return {
    accuracy: evaluation.accuracy,
    questions: evaluation.questions,
    totalSeconds,
    phases,
    stages: [lmStage, alignStage, instructStage],
    reportHtml,
    lossCurvePng,
    checkpoint: instructStage.checkpoint as string,
    connectorFile,
    terminal,
    loraComparison,
  };
}
