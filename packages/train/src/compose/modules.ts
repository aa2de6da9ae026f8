import type * as tf from '@tensorflow/tfjs-core';
import type { ParamSet } from '../nn/params';

/**
 * What a composition needs from a connector (satisfied by every `@vlm/connectors` Connector):
 * a forward pass and its named weights.
 */
export interface VisionConnector {
  apply(x: tf.Tensor, options?: { training?: boolean }): tf.Tensor;
  weights(): Map<string, tf.Variable>;
  readonly outputDim: number;
}

/** A named sub-module of a composition that a trainer can freeze or train. */
export interface ModuleHandle {
  readonly name: string;
  /** Named variables (upstream names for the towers, the connector's own names otherwise). */
  namedVariables(): Map<string, tf.Variable>;
  parameterCount(): number;
  /** Freezes (false) or unfreezes (true) every variable of the module. */
  setTrainable(trainable: boolean): void;
  /** True when every variable is trainable. */
  isTrainable(): boolean;
}

/** A handle over a tower's ParamSet. */
export function paramSetHandle(name: string, params: ParamSet): ModuleHandle {
  return variablesHandle(name, () => new Map(params.entries().map((p) => [p.name, p.variable])));
}

/** A handle over any named-variable source (connectors, extra projections). */
export function variablesHandle(name: string, source: () => Map<string, tf.Variable>): ModuleHandle {
  return {
    name,
    namedVariables: source,
    parameterCount: () => [...source().values()].reduce((n, v) => n + v.size, 0),
    setTrainable: (trainable) => {
      for (const v of source().values()) v.trainable = trainable;
    },
    isTrainable: () => [...source().values()].every((v) => v.trainable),
  };
}

/** The variables a trainer should update: those of modules that are trainable. */
export function trainableVariables(modules: Record<string, ModuleHandle>): tf.Variable[] {
  const out: tf.Variable[] = [];
  for (const m of Object.values(modules)) for (const v of m.namedVariables().values()) if (v.trainable) out.push(v);
  return out;
}
