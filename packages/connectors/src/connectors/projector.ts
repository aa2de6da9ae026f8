import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { biasGelu } from '../fused/bias-gelu';
import { dense } from '../layers/ops';
import type { UpstreamFormat } from '../modules/trainable-module';
import { denseSpecs, type WeightSpec } from '../modules/weight-spec';
import type { NameMapEntry, WeightNameMap } from '../weights/name-map';
import { Connector, type ApplyOptions } from './connector';

/** Config of LLaVA's projectors: `linear`, `mlp{N}x_gelu` or `identity` (mm_projector_type). */
export const projectorConfigSchema = z.object({
  type: z.union([z.literal('linear'), z.literal('identity'), z.string().regex(/^mlp[1-9]\d*x_gelu$/, 'expected mlp{N}x_gelu')]),
  /** Vision feature width (mm_hidden_size), e.g. 1024 for CLIP ViT-L/14. */
  inputDim: z.number().int().positive(),
  /** Language-model width (hidden_size), e.g. 4096 for Vicuna-7B. */
  outputDim: z.number().int().positive(),
});

/** Input type of `projectorConfigSchema`. */
export type ProjectorConfig = z.infer<typeof projectorConfigSchema>;

/** Number of Linear layers of a projector type (0 for identity). */
export function projectorDepth(type: string): number {
  if (type === 'identity') return 0;
  if (type === 'linear') return 1;
  return Number(/^mlp(\d+)x_gelu$/.exec(type)?.[1]);
}

/**
 * LLaVA's vision-to-language projector: Linear(in, out), then N-1 times [GELU, Linear(out, out)]
 * (LLaVA-1.5 uses mlp2x_gelu); `linear` is one Linear; `identity` passes features through.
 */
export class Projector extends Connector {
  readonly type: string;
  readonly inputDim: number;
  readonly outputDim: number;
  readonly specs: readonly WeightSpec[];
  readonly depth: number;

  constructor(config: ProjectorConfig) {
    super();
    const c = projectorConfigSchema.parse(config);
    this.type = c.type;
    this.inputDim = c.inputDim;
    this.outputDim = c.type === 'identity' ? c.inputDim : c.outputDim;
    this.depth = projectorDepth(c.type);
    const specs: WeightSpec[] = [];
    for (let i = 0; i < this.depth; i++) specs.push(...denseSpecs(`linear_${i + 1}`, i === 0 ? c.inputDim : c.outputDim, c.outputDim));
    this.specs = specs;
  }

  outputTokens(inputTokens: number): number {
    return inputTokens;
  }

  apply(x: tf.Tensor, _options: ApplyOptions = {}): tf.Tensor {
    if (this.depth === 0) return x.clone();
    return tf.tidy(() => {
      let h = x;
      for (let i = 1; i <= this.depth; i++) {
        // linear, then GELU (with the linear's bias folded in) between layers
        const kernel = this.w(`linear_${i}.kernel`);
        const bias = this.w(`linear_${i}.bias`);
        h = i === this.depth ? dense(h, kernel, bias) : biasGelu(dense(h, kernel), bias);
      }
      return h;
    });
  }

  /** LLaVA: `model.mm_projector.weight` (linear) or `model.mm_projector.{0,2,4..}.*`; HF: `multi_modal_projector.linear_{i}.*`. */
  upstreamNameMap(format: UpstreamFormat): WeightNameMap {
    const map: NameMapEntry[] = [];
    for (let i = 1; i <= this.depth; i++) {
      const base = format === 'hf' ? `multi_modal_projector.linear_${i}` : this.depth === 1 && this.type === 'linear' ? 'model.mm_projector' : `model.mm_projector.${2 * (i - 1)}`;
      map.push({ ours: `linear_${i}.kernel`, upstream: `${base}.weight`, transpose: true });
      map.push({ ours: `linear_${i}.bias`, upstream: `${base}.bias` });
    }
    return map;
  }
}
