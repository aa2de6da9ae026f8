import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type LlavaRecord, VlmError, createRng } from '@vlm/core';
import { selectBackend } from '@vlm/connectors';
import { ClipVisionModel, LlamaModel, type ModelSpec, type VisionLanguageModel, buildModel, imageTokensOf, prepareSamples } from '@vlm/train';
import { type StageResult, ImageStore, loadCheckpointWeights, loadLlavaDataset, parseStage, readCheckpointMeta, trainStage, writeLossCurvePng } from '@vlm/train/node';
import { type ShootoutConnector, type ShootoutPreset, connectorLabels, fullShootoutPreset, recipeOf, shootoutConnectors, shootoutModelSpec, shootoutStages } from './connector-shootout';
import { pretrainVisionContrastive } from './contrastive-pretrain';
import { type TypeAccuracy, evaluateHeldOut } from './evaluate';
import { patchLabelsOf, patchPrompts } from './patch-labels';
import { writeDemoData } from './demo-data';
import { pretrainingText } from './records';
import { type ShootoutRow, shootoutHtml, shootoutTable } from './shootout-report';
import { buildWorld } from './world';

/** Options of {@link runConnectorShootout}. */
export interface ConnectorShootoutOptions {
  /** Where the world, the shared towers, every connector's checkpoints and the report go. */
  outDir: string;
  seed?: number;
  preset?: ShootoutPreset;
  /** Which connectors to train (default all five, in table order). */
  connectors?: readonly ShootoutConnector[];
  /** Pick the TF.js backend first (default true). */
  selectBackend?: boolean;
  /** Replace a shoot-out already in `outDir` (without it, an existing one is an error and nothing is touched). */
  force?: boolean;
  /**
   * Reuse the shared towers of an earlier shoot-out (its output folder, same seed and preset) instead of
   * pretraining them again: the world and tokenizer are rebuilt (seeded, identical) and the towers load
   * from its `shared/checkpoints/1-lm-chat`. Lets connectors run in separate processes from one pretraining.
   */
  pretrainedFrom?: string;
  /** Ctrl-C: the step under way finishes, its checkpoint is saved, and the report covers the connectors finished so far. */
  signal?: AbortSignal;
  log?: (line: string) => void;
  progress?: (line: string) => void;
}

/** What the shoot-out measured. */
export interface ConnectorShootoutResult {
  rows: ShootoutRow[];
  /** The shared LM (after its text-only chat stage) answering without any image. */
  textOnly: TypeAccuracy[];
  totalSeconds: number;
  /** Seconds of the shared part (world, tokenizer, vision and LM pretraining), done once. */
  sharedSeconds: number;
  backend: string;
  reportHtml: string;
  lossCurvePng: string;
  resultsJson: string;
  terminal: string[];
  /** Set when `signal` stopped the run: the connector and stage it stopped in. */
  interrupted?: { connector?: ShootoutConnector; stage: string; step: number; totalSteps: number; checkpoint?: string };
}

/** What a shoot-out writes into its folder (and `force` removes first). */
export const SHOOTOUT_OUTPUTS = ['world', 'data', 'shared', 'connectors', 'tokenizer.json', 'report.html', 'loss-curves.png', 'results.json'] as const;

/** Copies of the pretrained towers for one connector (every connector starts from the same weights). */
function cloneTowers(vision: ClipVisionModel, lm: LlamaModel): { vision: ClipVisionModel; lm: LlamaModel } {
  const v = new ClipVisionModel(vision.config, 'zeros');
  const l = new LlamaModel(lm.config, 'zeros');
  for (const [from, to] of [[vision.params, v.params], [lm.params, l.params]] as const) for (const p of from.entries()) to.get(p.name).assign(p.variable);
  return { vision: v, lm: l };
}

function disposeModel(model: VisionLanguageModel): void {
  const seen = new Set<tf.Variable>();
  for (const m of Object.values(model.modules)) for (const v of m.namedVariables().values()) seen.add(v);
  if (model.architecture === 'blip2') for (const v of model.textHeads?.weights().values() ?? []) seen.add(v);
  for (const v of seen) if (!v.isDisposed) v.dispose();
}

/** The instruction records without their images: the text-only chat stage of the shared LM. */
function withoutImages(records: readonly LlavaRecord[]): LlavaRecord[] {
  return records.map(({ image: _image, ...r }) => ({ ...r, conversations: r.conversations.map((t) => ({ ...t, value: t.value.replace(/<image>\n?/g, '') })) }));
}

/**
 * The connector shoot-out (`vlm-train demo --compare-connectors`): on the demo's world, pretrains the
 * vision tower (contrastive) and the LM (text, then a short text-only chat stage) once, then trains one
 * model per connector from copies of those towers, each with its upstream recipe and the same number of
 * stage-2 steps on the same data, and scores every one on the same unseen scenes next to the text-only
 * LM and chance. Writes `report.html`, `loss-curves.png` (stage 2 of every connector) and `results.json`.
 */
export async function runConnectorShootout(options: ConnectorShootoutOptions): Promise<ConnectorShootoutResult> {
  const found = SHOOTOUT_OUTPUTS.filter((name) => existsSync(join(options.outDir, name)));
  if (found.length > 0 && !options.force) {
    throw new VlmError('run_exists', `${options.outDir} already holds a connector shoot-out (${found.join(', ')}); it is not overwritten`, {
      location: { file: options.outDir },
      hint: 'choose another folder (vlm-train demo --compare-connectors --out <dir>) or replace that run with --force',
    });
  }
  const connectors = options.connectors ?? shootoutConnectors;
  for (const [i, c] of connectors.entries()) {
    if (!shootoutConnectors.includes(c)) {
      throw new VlmError('option_invalid', `connector ${JSON.stringify(c)} is not one the shoot-out knows`, { location: { field: `connectors[${i}]` }, hint: `use some of ${shootoutConnectors.join(', ')}` });
    }
  }
  const p = options.preset ?? fullShootoutPreset;
  const d = p.demo;
  // Every stage parses before any work starts (a bad preset fails here, not after the pretraining).
  for (const c of connectors) for (const [i, s] of shootoutStages(c, p).entries()) parseStage(s, `${c}.stages[${i}]`);
  for (const name of found) await rm(join(options.outDir, name), { recursive: true, force: true });
  const seed = options.seed ?? 0;
  const log = options.log ?? (() => {});
  const t0 = performance.now();
  let backend = tf.getBackend();
  if (options.selectBackend ?? true) {
    const choice = await selectBackend({ log });
    backend = `${choice.tfBackend}${choice.fastKernels ? ' (toolkit kernels)' : ''}`;
  }
  await mkdir(options.outDir, { recursive: true });
  const rng = createRng(seed);

  log(`shared 1/4 world: ${d.trainScenes} training and ${d.testScenes} unseen scenes, ${d.imageSize} px`);
  const world = await buildWorld(join(options.outDir, 'world'), { trainScenes: d.trainScenes, testScenes: d.testScenes, size: d.imageSize, maxObjects: d.maxObjects, objectScale: d.objectScale, seed });
  const images = new ImageStore({ root: world.imageRoot, size: d.imageSize, mode: 'pad' });
  const { dataDir, instructRecords, lines, tokenizerSpec, tokenizerFile, tokenizer } = await writeDemoData(options.outDir, world.train, d, seed, rng);

  // The shared towers live in a LLaVA model while they are pretrained (its connector is never trained).
  const carrierSpec = shootoutModelSpec('mlp2x_gelu', p, tokenizer);
  const carrier = buildModel(carrierSpec, seed);
  const sharedDir = join(options.outDir, 'shared');
  const common = { spec: carrierSpec, tokenizer, tokenizerSpec, tokenizerFile, seed, log, progress: options.progress, signal: options.signal };
  const perCarrier = imageTokensOf(carrierSpec);
  const sharedStages: StageResult[] = [];
  let contrastive: number[] = [];
  if (options.pretrainedFrom) {
    const from = join(options.pretrainedFrom, 'shared', 'checkpoints', '1-lm-chat');
    const same = tokenizerFile && (await readFile(join(options.pretrainedFrom, 'tokenizer.json'), 'utf8').catch(() => '')) === (await readFile(tokenizerFile, 'utf8'));
    const meta = existsSync(from) ? await readCheckpointMeta(from) : undefined;
    if (!meta || !same || meta.seed !== seed || meta.step < meta.totalSteps) {
      throw new VlmError('pretrained_mismatch', `${options.pretrainedFrom} holds no finished shared pretraining of this seed and preset${!meta ? ` (${from} is missing)` : !same ? ' (its tokenizer differs)' : meta.seed !== seed ? ` (seed ${meta.seed}, not ${seed})` : ' (its chat stage did not finish)'}`, {
        location: { file: from },
        hint: 'point pretrainedFrom at the folder of a finished shoot-out with the same seed and preset, or leave it out to pretrain',
      });
    }
    await loadCheckpointWeights(carrier, from);
    log(`shared towers loaded from ${from} (pretrained once, by an earlier run)`);
  } else {
  log(`shared 2/4 contrastive pretraining of the vision tower (${d.contrastive.steps} steps)`);
  const prompts = patchPrompts();
  const pairs = [];
  for (const s of world.train) pairs.push({ pixels: await images.pixelsOf(s.image), caption: s.captions.join(' '), patchLabels: patchLabelsOf(s, d.imageSize, d.patchSize, prompts) });
  contrastive = pretrainVisionContrastive(carrier.vision, pairs, {
    ...d.contrastive, patchTexts: prompts, patchLayer: d.featureLayer, seed,
    progress: (step, loss) => options.progress?.(`vision-clip  ${step}/${d.contrastive.steps}  loss ${loss.toFixed(4)}`),
  });
  log(`vision tower: contrastive loss ${contrastive[0]?.toFixed(3)} -> ${contrastive.at(-1)?.toFixed(3)}`);
  log('shared 3/4 language-model pretraining on the text');
  const lmStage = await trainStage({
    ...common, model: carrier, outDir: sharedDir, stageIndex: 0, samples: pretrainingText(lines, tokenizer),
    stage: { name: 'lm-pretrain', template: 'plain', train: { lm: d.lmPretrain.learningRate }, steps: d.lmPretrain.steps, globalBatchSize: d.lmPretrain.batchSize, warmupRatio: 0.05, minLrRatio: 0.1 },
  });
  sharedStages.push(lmStage);
  if (!lmStage.interrupted) {
    log('shared 4/4 text-only chat stage of the LM (the instruction records without images, vicuna_v1): the answer format for frozen-LM recipes');
    const chatStage = await trainStage({
      ...common, model: carrier, outDir: sharedDir, stageIndex: 1,
      samples: prepareSamples(withoutImages(instructRecords), { tokenizer, template: 'vicuna_v1', systemMessage: d.systemMessage, imageTokens: perCarrier, seed }),
      stage: { name: 'lm-chat', template: 'vicuna_v1', systemMessage: d.systemMessage, train: { lm: p.lmChat.learningRate }, steps: p.lmChat.steps, globalBatchSize: p.lmChat.batchSize, warmupRatio: 0.05, minLrRatio: 0.1 },
    });
    sharedStages.push(chatStage);
  }
  }
  const sharedSeconds = (performance.now() - t0) / 1000;
  const stoppedShared = sharedStages.find((s) => s.interrupted);
  let interrupted: ConnectorShootoutResult['interrupted'] = stoppedShared ? { stage: stoppedShared.stage, step: stoppedShared.stepsDone, totalSteps: stoppedShared.totalSteps, checkpoint: stoppedShared.checkpoint } : undefined;

  // The text-only baseline: the shared LM answering without the image (what the frozen-LM recipes start from).
  let textOnly: TypeAccuracy[] = [];
  const rows: ShootoutRow[] = [];
  const curves: { name: string; points: (readonly [number, number])[] }[] = [];
  if (!interrupted) {
    const baseline = await evaluateHeldOut({ model: carrier, tokenizer, template: 'vicuna_v1', systemMessage: d.systemMessage }, world.test, images, seed, d.maxObjects, { withImage: false });
    textOnly = baseline.accuracy;
    log(`text-only LM: ${textOnly.map((a) => `${a.type} ${(100 * a.textOnly).toFixed(1)} %`).join(', ')}`);

    const align = await loadLlavaDataset(join(dataDir, 'align.json'), world.imageRoot, { imageDecodes: images.decodes });
    const instruct = await loadLlavaDataset(join(dataDir, 'instruct.json'), world.imageRoot, { imageDecodes: images.decodes });
    for (const [k, connector] of connectors.entries()) {
      if (options.signal?.aborted) break;
      const spec: ModelSpec = shootoutModelSpec(connector, p, tokenizer);
      const model = buildModel(spec, createRng(seed).fork(`connector-${connector}`), cloneTowers(carrier.vision, carrier.lm));
      const perImage = imageTokensOf(spec);
      const outDir = join(options.outDir, 'connectors', connector);
      log(`connector ${k + 1}/${connectors.length}: ${connectorLabels[connector]} — ${recipeOf[connector]}; ${perImage} image token${perImage === 1 ? '' : 's'} in the LM`);
      const stages: StageResult[] = [];
      const cpuStart = process.cpuUsage();
      let cpuStage2 = process.cpuUsage();
      for (const [i, stage] of shootoutStages(connector, p).entries()) {
        const template = stage.template;
        const records = stage.kind === 'qformer' || template === 'plain' ? align.records : instruct.records;
        const samples = prepareSamples(records, { tokenizer, template, systemMessage: stage.systemMessage, imageTokens: perImage, seed });
        cpuStage2 = process.cpuUsage();
        const result = await trainStage({ ...common, spec, model, outDir, stageIndex: i, samples, images, stage });
        stages.push(result);
        if (result.interrupted) {
          interrupted = { connector, stage: result.stage, step: result.stepsDone, totalSteps: result.totalSteps, checkpoint: result.checkpoint };
          break;
        }
      }
      if (interrupted) {
        disposeModel(model);
        break;
      }
      const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;
      const cpuAll = cpuSeconds(process.cpuUsage(cpuStart));
      const cpu2 = cpuSeconds(process.cpuUsage(cpuStage2));
      const last = stages.at(-1) as StageResult;
      const stage2 = parseStage(shootoutStages(connector, p).at(-1) as never);
      const trainable = Object.keys(stage2.train).reduce((n, m) => n + (model.modules as Record<string, { parameterCount(): number }>)[m]!.parameterCount(), 0);
      log(`evaluating ${connectorLabels[connector]} on ${world.test.length} unseen scenes`);
      const evaluation = await evaluateHeldOut({ model, tokenizer, template: 'vicuna_v1', systemMessage: d.systemMessage }, world.test, images, seed, d.maxObjects);
      rows.push({
        connector,
        label: connectorLabels[connector],
        recipe: recipeOf[connector],
        trainable,
        imageTokens: perImage,
        secondsPerStep: last.seconds / Math.max(1, last.stepsDone),
        trainSeconds: stages.reduce((s, x) => s + x.seconds, 0),
        cpuSecondsPerStep: cpu2 / Math.max(1, last.stepsDone),
        trainCpuSeconds: cpuAll,
        stage2Steps: last.stepsDone,
        finalLoss: last.losses.at(-1) ?? Number.NaN,
        accuracy: evaluation.accuracy,
        checkpoint: last.checkpoint as string,
        sample: evaluation.questions.slice(0, 4),
      });
      curves.push({ name: connectorLabels[connector], points: last.losses.map((l, i) => [i + 1, l] as const) });
      disposeModel(model);
    }
  }

  const lossCurvePng = join(options.outDir, 'loss-curves.png');
  await writeLossCurvePng(lossCurvePng, curves.length > 0 ? curves : sharedStages.map((s) => ({ name: s.stage, points: s.losses.map((l, i) => [i + 1, l] as const) })), {
    title: curves.length > 0 ? 'stage-2 loss per step of every connector' : 'loss per step of the shared pretraining',
  });
  const totalSeconds = (performance.now() - t0) / 1000;
  const settings: Record<string, string | number> = {
    seed,
    world: `${d.trainScenes} training and ${d.testScenes} unseen scenes, ${d.imageSize} px, up to ${d.maxObjects} shapes`,
    'vision tower (shared)': `ViT ${d.vision.hiddenSize}x${d.vision.layers}, patch ${d.patchSize}, contrastive pretraining ${d.contrastive.steps} steps x ${d.contrastive.batchSize}`,
    'language model (shared)': `LLaMA ${d.lm.hiddenSize}x${d.lm.layers}, BPE ${tokenizer.vocabSize} (+1 id: Flamingo's <image>), text pretraining ${d.lmPretrain.steps} x ${d.lmPretrain.batchSize}, text-only chat ${p.lmChat.steps} x ${p.lmChat.batchSize}`,
    'LLaVA stage 1': `${d.align.steps} steps x ${d.align.batchSize}, connector only`,
    'BLIP-2 stage 1': `${p.qformerStage1.steps} steps x ${p.qformerStage1.batchSize}, ITC + ITM + ITG`,
    'stage 2 (every connector)': `${p.stage2.steps} steps x ${p.stage2.batchSize}, lr connector ${p.lr.connector}, LM ${p.lr.lm} where trained`,
    ...(options.pretrainedFrom ? { 'shared towers': `loaded from ${options.pretrainedFrom} (pretrained there once; not timed here)` } : {}),
    'resamplers': `${p.resampler.queries} queries / latents, ${p.resampler.layers} layers, ${p.resampler.heads} heads`,
  };
  const input = { rows, textOnly, totalSeconds, sharedSeconds, backend, notice: p.notice, settings, lossCurvePng, interrupted };
  const reportHtml = join(options.outDir, 'report.html');
  await writeFile(reportHtml, await shootoutHtml(input));
  const resultsJson = join(options.outDir, 'results.json');
  await writeFile(resultsJson, `${JSON.stringify({ backend, seed, totalSeconds, sharedSeconds, settings, textOnly, rows: rows.map(({ sample: _s, ...r }) => r), interrupted }, null, 1)}\n`);
  const terminal = [
    ...(p.notice ? [`note: ${p.notice}`, ''] : []),
    `connector shoot-out ${interrupted ? 'interrupted' : 'finished'} in ${totalSeconds.toFixed(1)} s on ${backend} (${options.pretrainedFrom ? `shared towers loaded from ${options.pretrainedFrom}` : `shared pretraining ${sharedSeconds.toFixed(1)} s, once`})`,
    '',
    ...shootoutTable(rows, textOnly),
  ];
  disposeModel(carrier);
  return { rows, textOnly, totalSeconds, sharedSeconds, backend, reportHtml, lossCurvePng, resultsJson, terminal, interrupted };
}
