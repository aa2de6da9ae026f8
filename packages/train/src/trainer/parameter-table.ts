import type { ModuleHandle } from '../compose/modules';
import type { VisionLanguageModel } from '../compose/vision-language-model';
import type { LoraAdapters } from '../lora/lora-adapters';
import { type MemoryEstimate, estimateTrainingMemory } from '../memory/estimate';
import type { ModelSpec } from '../checkpoint/model-spec';
import type { ModuleName, StageSpec } from './stage';

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function count(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : String(n);
}

function modulesOf(model: VisionLanguageModel): [string, ModuleHandle][] {
  return Object.entries(model.modules as Record<string, ModuleHandle>);
}

function loraOf(model: VisionLanguageModel, stage: StageSpec): LoraAdapters | undefined {
  return stage.lora && model.architecture === 'llava' ? model.lora : undefined;
}

/** Parameters the stage trains: its modules, LoRA adapters, and the Q-Former's text side in a BLIP-2 stage 1. */
export function trainedParameterCount(model: VisionLanguageModel, stage: StageSpec): number {
  const modules = modulesOf(model).filter(([n]) => stage.train[n as ModuleName] !== undefined).reduce((s, [, m]) => s + m.parameterCount(), 0);
  const text = stage.kind === 'qformer' && model.architecture === 'blip2' ? (model.textHeads?.parameterCount() ?? 0) : 0;
  return modules + text + (loraOf(model, stage)?.count() ?? 0);
}

/** The stage's memory estimate for its micro-batch and sequence length. */
export function stageMemoryEstimate(model: VisionLanguageModel, spec: ModelSpec, stage: StageSpec, microBatch: number, seqLength: number): MemoryEstimate {
  const estimate = estimateFor(model, spec, stage, microBatch, seqLength);
  const lora = loraOf(model, stage);
  if (!stage.lora || !lora) return estimate;
  // The same stage with the adapted towers trained in full: what LoRA saves.
  const modules = lora.modules();
  const full = { ...stage.train, lm: modules.some((m) => m.startsWith('model.layers.')) ? stage.lora.lr : stage.train.lm, vision: modules.some((m) => m.startsWith('model.vision_tower.')) ? stage.lora.lr : stage.train.vision };
  const fullFineTune = estimateFor(model, spec, { ...stage, lora: undefined, train: full }, microBatch, seqLength).bytes;
  return { ...estimate, fullFineTune };
}

function estimateFor(model: VisionLanguageModel, spec: ModelSpec, stage: StageSpec, microBatch: number, seqLength: number): MemoryEstimate {
  // Everything between the towers (connector, Q-Former, resampler, cross-attention) counts as the connector.
  const between = modulesOf(model).filter(([n]) => n !== 'vision' && n !== 'lm');
  return estimateTrainingMemory({
    lm: spec.lm,
    vision: spec.vision,
    connectorParameters: between.reduce((s, [, m]) => s + m.parameterCount(), 0),
    loraParameters: loraOf(model, stage)?.count() ?? 0,
    trainable: { vision: stage.train.vision !== undefined, connector: between.some(([n]) => stage.train[n as ModuleName] !== undefined), lm: stage.train.lm !== undefined },
    batchSize: microBatch,
    seqLength,
  });
}

/**
 * The table printed when a stage starts: per module its parameters, whether it trains and its
 * learning rate, then the memory estimate by kind.
 */
export function parameterTable(model: VisionLanguageModel, stage: StageSpec, memory: MemoryEstimate): string[] {
  const rows = modulesOf(model).map(([name, m]) => {
    const lr = stage.train[name as ModuleName];
    return [name, count(m.parameterCount()), lr === undefined ? 'frozen' : 'trains', lr === undefined ? '' : lr.toExponential(1)];
  });
  const adapters = loraOf(model, stage);
  const lora = adapters ? adapters.count() : 0;
  if (stage.lora && adapters) rows.push([`lora r${adapters.shape.r}`, count(lora), `${adapters.modules().length} layers`, stage.lora.lr.toExponential(1)]);
  const heads = model.architecture === 'blip2' ? model.textHeads : undefined;
  if (heads) {
    const on = stage.kind === 'qformer';
    rows.push(['qformer text', count(heads.parameterCount()), on ? 'trains' : 'unused', on ? (stage.train.qformer as number).toExponential(1) : '']);
  }
  const total = modulesOf(model).reduce((s, [, m]) => s + m.parameterCount(), 0) + (heads?.parameterCount() ?? 0) + lora;
  const trained = trainedParameterCount(model, stage);
  rows.push(['total', count(total), `${count(trained)} train`, '']);
  const header = ['module', 'parameters', 'state', 'lr'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  ');
  const b = memory.bytes;
  return [
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    `memory estimate: weights ${mib(b.weights)}, gradients ${mib(b.gradients)}, optimizer ${mib(b.optimizer)}, activations ${mib(b.activations)}, total ${mib(b.total)}`,
    ...memory.advice.map((a) => `  advice: ${a}`),
    ...(memory.fullFineTune ? [`  LoRA saves: full fine-tuning of the adapted towers would need ${mib(memory.fullFineTune.total)} (gradients + optimizer ${mib(memory.fullFineTune.gradients + memory.fullFineTune.optimizer)} instead of ${mib(b.gradients + b.optimizer)})`] : []),
  ];
}
