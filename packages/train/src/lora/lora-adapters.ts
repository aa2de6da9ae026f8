// LoRA (Hu et al. 2021) on named linear layers, as PEFT's `lora.Linear` computes it:
// y = x·W + b + scaling · B(A(dropout(x))), A `[r, in]` kaiming-uniform, B `[out, r]` zeros.
import * as tf from '@tensorflow/tfjs-core';
import { VlmError } from '@vlm/core';
import { type LinearAdapter, linear } from '../nn/linear';
import { type ParamInit, ParamSet } from '../nn/params';
import { type LoraSpec, loraScaling } from './lora-config';

/** The parts of a spec that shape the adapters (the learning rate and origin do not). */
export type LoraShape = Pick<LoraSpec, 'r' | 'alpha' | 'dropout' | 'rslora' | 'targetModules' | 'visionTargetModules'>;

/** A tower LoRA can attach to: its named parameters and the hook its linears call. */
export interface AdaptableTower {
  readonly params: ParamSet;
  adapter?: LinearAdapter;
}

/** One tower to adapt: the model, the key prefix of its names in a checkpoint, and the layer pattern. */
export interface LoraTower {
  model: AdaptableTower;
  /** Prefix of the tower's names in the whole model (`''` for the LM, `model.vision_tower.vision_tower.` for CLIP in LLaVA). */
  prefix: string;
  /** Module paths (without `.weight`) that may be adapted, the last name captured: `^model\.layers\.\d+\.(?:self_attn|mlp)\.(\w+)$`. */
  pattern: RegExp;
  /** Last names to adapt (`q_proj` ...). */
  targets: readonly string[];
}

/** The LM's adaptable linears: `model.layers.N.self_attn.*` and `model.layers.N.mlp.*`. */
export const LM_LINEAR_PATTERN = /^model\.layers\.\d+\.(?:self_attn|mlp)\.(\w+)$/;
/** CLIP's encoder linears: `vision_model.encoder.layers.N.self_attn.*` and `.mlp.fc1/fc2`. */
export const VISION_LINEAR_PATTERN = /^vision_model\.encoder\.layers\.\d+\.(?:self_attn|mlp)\.(\w+)$/;

interface AdaptedLayer {
  /** Full module path (`model.layers.0.self_attn.q_proj`, with the tower prefix). */
  path: string;
  tower: AdaptableTower;
  /** The base weight's name inside its tower. */
  weightName: string;
  a: tf.Variable; // [in, r] here, [r, in] upstream
  b: tf.Variable; // [r, out] here, [out, r] upstream
}

/**
 * LoRA adapters over one or more towers. Parameters are named as PEFT names them inside the model
 * (`model.layers.0.self_attn.q_proj.lora_A.weight`, layouts `[r, in]` / `[out, r]` upstream); the base
 * weights stay untouched (and frozen) until {@link mergeIntoBase}.
 */
export class LoraAdapters {
  readonly params = new ParamSet('lora');
  readonly scaling: number;
  /** Dropout is applied only while training. */
  training = false;
  private readonly layers = new Map<string, AdaptedLayer>();
  private readonly towers: LoraTower[];
  private dropoutSeed = 0;
  private dropoutCalls = 0;
  private attached = false;

  constructor(readonly shape: LoraShape, towers: readonly LoraTower[], init: ParamInit) {
    this.scaling = loraScaling(shape);
    this.towers = [...towers];
    for (const t of towers) {
      for (const p of t.model.params.entries()) {
        if (p.layout !== 'linear' || !p.name.endsWith('.weight')) continue;
        const module = p.name.slice(0, -'.weight'.length);
        const m = t.pattern.exec(module);
        if (!m || !t.targets.includes(m[1] as string)) continue;
        const [inDim, outDim] = p.variable.shape as [number, number];
        const path = t.prefix + module;
        // kaiming_uniform_(a=sqrt(5)) on [r, in] is U(-1/sqrt(in), 1/sqrt(in)), PEFT's default init.
        const bound = 1 / Math.sqrt(inDim);
        const aValues = new Float32Array(inDim * shape.r);
        if (init !== 'zeros') for (let i = 0; i < aValues.length; i++) aValues[i] = (init.next() * 2 - 1) * bound;
        const a = this.params.add(`${path}.lora_A.weight`, [inDim, shape.r], aValues, 'linear');
        const b = this.params.add(`${path}.lora_B.weight`, [shape.r, outDim], new Float32Array(shape.r * outDim), 'linear');
        this.layers.set(path, { path, tower: t.model, weightName: p.name, a, b });
      }
    }
    if (this.layers.size === 0) {
      throw new VlmError('lora_no_targets', `LoRA targets ${[...new Set(towers.flatMap((t) => t.targets))].join(', ') || '(none)'} match no linear layer of the model`, {
        location: { field: 'lora.targetModules' },
        hint: `LM layers: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj; vision layers: q_proj, k_proj, v_proj, out_proj, fc1, fc2`,
      });
    }
  }

  /** Full module paths of the adapted layers, in model order. */
  modules(): string[] {
    return [...this.layers.keys()];
  }

  /** Number of adapter parameters. */
  count(): number {
    return this.params.count();
  }

  /** Installs the adapters in the towers' linears (replacing any other adapter). */
  attach(): this {
    for (const t of this.towers) t.model.adapter = (name, x) => this.delta(t.prefix + name, x);
    this.attached = true;
    return this;
  }

  /** Removes the adapters from the towers (the weights keep their base values). */
  detach(): void {
    for (const t of this.towers) t.model.adapter = undefined;
    this.attached = false;
  }

  get isAttached(): boolean {
    return this.attached;
  }

  /** Seeds the dropout masks of the next forward pass (one seed per micro-batch keeps resumes exact). */
  seedDropout(seed: number): void {
    this.dropoutSeed = seed;
    this.dropoutCalls = 0;
  }

  /** `scaling · B(A(dropout(x)))` of the layer at `path`, or undefined when it is not adapted. */
  delta(path: string, x: tf.Tensor): tf.Tensor | undefined {
    const layer = this.layers.get(path);
    if (!layer) return undefined;
    const p = this.shape.dropout;
    const input = this.training && p > 0 ? tf.dropout(x, p, undefined, this.dropoutSeed * 7919 + this.dropoutCalls++) : x;
    return tf.mul(linear(linear(input, layer.a), layer.b), this.scaling);
  }

  /** `scaling · A·B` in the internal `[in, out]` layout: what merging adds to a weight. */
  deltaWeight(path: string): tf.Tensor2D {
    const layer = this.layers.get(path);
    if (!layer) throw new VlmError('lora_unknown_module', `no adapter on ${path}`);
    return tf.tidy(() => tf.mul(tf.matMul(layer.a, layer.b), this.scaling));
  }

  /**
   * Folds every adapter into its base weight (W ← W + scaling · A·B, PEFT's `merge_and_unload`) and
   * detaches; the adapters' variables are disposed.
   */
  mergeIntoBase(): void {
    for (const layer of this.layers.values()) {
      const w = layer.tower.params.get(layer.weightName);
      tf.tidy(() => w.assign(tf.add(w, this.deltaWeight(layer.path))));
    }
    this.detach();
    this.dispose();
  }

  dispose(): void {
    if (this.attached) this.detach();
    this.params.dispose();
    this.layers.clear();
  }
}
