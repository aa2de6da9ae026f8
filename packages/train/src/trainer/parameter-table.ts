import type { LlavaModel } from '../compose/llava';
import { type MemoryEstimate, estimateTrainingMemory } from '../memory/estimate';
import type { LlavaModelSpec } from '../checkpoint/model-spec';
import type { StageSpec } from './stage';

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function count(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : String(n);
}

/** The stage's memory estimate for its micro-batch and sequence length. */
export function stageMemoryEstimate(model: LlavaModel, spec: LlavaModelSpec, stage: StageSpec, microBatch: number, seqLength: number): MemoryEstimate {
  const estimate = estimateFor(model, spec, stage, microBatch, seqLength);
  if (!stage.lora || !model.lora) return estimate;
  // The same stage with the adapted towers trained in full: what LoRA saves.
  const modules = model.lora.modules();
  const full = { ...stage.train, lm: modules.some((m) => m.startsWith('model.layers.')) ? stage.lora.lr : stage.train.lm, vision: modules.some((m) => m.startsWith('model.vision_tower.')) ? stage.lora.lr : stage.train.vision };
  const fullFineTune = estimateFor(model, spec, { ...stage, lora: undefined, train: full }, microBatch, seqLength).bytes;
  return { ...estimate, fullFineTune };
}

function estimateFor(model: LlavaModel, spec: LlavaModelSpec, stage: StageSpec, microBatch: number, seqLength: number): MemoryEstimate {
  return estimateTrainingMemory({
    lm: spec.lm,
    vision: spec.vision,
    connectorParameters: model.modules.connector.parameterCount(),
    loraParameters: stage.lora ? (model.lora?.count() ?? 0) : 0,
    trainable: { vision: stage.train.vision !== undefined, connector: stage.train.connector !== undefined, lm: stage.train.lm !== undefined },
    batchSize: microBatch,
    seqLength,
  });
}

/**
 * The table printed when a stage starts: per module its parameters, whether it trains and its
 * learning rate, then the memory estimate by kind.
 */
export function parameterTable(model: LlavaModel, stage: StageSpec, memory: MemoryEstimate): string[] {
  const rows = (['vision', 'connector', 'lm'] as const).map((name) => {
    const lr = stage.train[name];
    return [name, count(model.modules[name].parameterCount()), lr === undefined ? 'frozen' : 'trains', lr === undefined ? '' : lr.toExponential(1)];
  });
  const lora = stage.lora && model.lora ? model.lora.count() : 0;
  if (stage.lora && model.lora) rows.push([`lora r${model.lora.shape.r}`, count(lora), `${model.lora.modules().length} layers`, stage.lora.lr.toExponential(1)]);
  const total = model.modules.vision.parameterCount() + model.modules.connector.parameterCount() + model.modules.lm.parameterCount() + lora;
  const trained = (['vision', 'connector', 'lm'] as const).filter((n) => stage.train[n] !== undefined).reduce((s, n) => s + model.modules[n].parameterCount(), 0) + lora;
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
