import { type Connector, type SafeTensor, type TensorToWrite, loadUpstreamStateDict, toUpstreamStateDict } from '@vlm/connectors';
import type { Blip2Model } from '../compose/blip2';
import type { FlamingoModel } from '../compose/flamingo';
import { type LlavaModel, VISION_PREFIX } from '../compose/llava';
import type { VisionLanguageModel } from '../compose/vision-language-model';
import { assignParams, paramsToStateDict } from '../weights/assign-params';

export { VISION_PREFIX };

/** Key prefix of the LM in a Hugging Face `Blip2ForConditionalGeneration` checkpoint. */
export const BLIP2_LM_PREFIX = 'language_model.';

/** Key prefixes of an OpenFlamingo checkpoint: the vision encoder and the language model it wraps. */
export const FLAMINGO_PREFIXES = { vision: 'vision_encoder.', lm: 'lang_encoder.' } as const;

const LAYER = /^model\.layers\.(\d+)\.(.*)$/;

/** LLaMA key -> OpenFlamingo key: decoder layers become `model.layers.{i}.decoder_layer.*` inside `lang_encoder.`. */
function toFlamingoLm(name: string): string {
  const m = LAYER.exec(name);
  return FLAMINGO_PREFIXES.lm + (m ? `model.layers.${m[1]}.decoder_layer.${m[2]}` : name);
}

const FLAMINGO_LAYER = /^lang_encoder\.model\.layers\.(\d+)\.decoder_layer\.(.*)$/;

function fromFlamingoLm(name: string): string | undefined {
  const m = FLAMINGO_LAYER.exec(name);
  if (m) return `model.layers.${m[1]}.${m[2]}`;
  if (!name.startsWith(FLAMINGO_PREFIXES.lm) || name.includes('.gated_cross_attn_layer.')) return undefined;
  return name.slice(FLAMINGO_PREFIXES.lm.length);
}

/**
 * Every weight of a model under its upstream names.
 * - llava: LLaVA's (`model.layers.*`, `lm_head.weight`, `model.vision_tower.vision_tower.vision_model.*`, `model.mm_projector.*`).
 * - blip2: Hugging Face `Blip2ForConditionalGeneration`'s (`vision_model.*`, `query_tokens`, `qformer.*`,
 *   `language_projection.*`, `language_model.*`), plus the stage-1 text side (`embeddings.*`, `vision_projection`,
 *   `text_projection`, `itm_head` as `Blip2ForImageTextRetrieval`; `temp`, `Qformer.cls.predictions.*` as LAVIS).
 * - flamingo: OpenFlamingo's (`perceiver.*`, `lang_encoder.model.layers.{i}.gated_cross_attn_layer.*`,
 *   `lang_encoder.model.layers.{i}.decoder_layer.*`, `lang_encoder.model.embed_tokens.weight`, `lang_encoder.lm_head.weight`);
 *   the vision tower keeps its Hugging Face CLIP names under `vision_encoder.` (OpenFlamingo's is an open_clip model).
 */
export function modelStateDict(model: VisionLanguageModel): Map<string, TensorToWrite> {
  if (model.architecture === 'blip2') return blip2StateDict(model);
  if (model.architecture === 'flamingo') return flamingoStateDict(model);
  return llavaStateDict(model);
}

/** LLaVA's names (see {@link modelStateDict}). */
export function llavaStateDict(model: LlavaModel): Map<string, TensorToWrite> {
  const out = paramsToStateDict(model.lm.params);
  for (const [k, v] of paramsToStateDict(model.vision.params, VISION_PREFIX)) out.set(k, v);
  const c = model.connector as unknown as Connector;
  for (const [k, v] of toUpstreamStateDict(c.weights(), c.upstreamNameMap('llava'))) out.set(k, v);
  return out;
}

function blip2StateDict(model: Blip2Model): Map<string, TensorToWrite> {
  const out = paramsToStateDict(model.vision.params);
  for (const [k, v] of paramsToStateDict(model.lm.params, BLIP2_LM_PREFIX)) out.set(k, v);
  for (const [k, v] of toUpstreamStateDict(model.qformer.weights(), model.qformer.upstreamNameMap('hf'))) out.set(k, v);
  const heads = model.textHeads;
  if (heads) for (const [k, v] of toUpstreamStateDict(heads.weights(), heads.upstreamNameMap('hf'))) out.set(k, v);
  return out;
}

function flamingoStateDict(model: FlamingoModel): Map<string, TensorToWrite> {
  const out = paramsToStateDict(model.vision.params, FLAMINGO_PREFIXES.vision);
  for (const [k, v] of paramsToStateDict(model.lm.params)) out.set(toFlamingoLm(k), v);
  const r = model.options.resampler;
  if (r) for (const [k, v] of toUpstreamStateDict(r.weights(), (r as unknown as Connector).upstreamNameMap('open-flamingo'))) out.set(k, v);
  for (const [layer, block] of model.options.crossAttention) {
    for (const [k, v] of toUpstreamStateDict(block.weights(), block.upstreamNameMap('open-flamingo', `${FLAMINGO_PREFIXES.lm}model.layers.${layer}.`))) out.set(k, v);
  }
  return out;
}

/**
 * Loads upstream-named tensors (as {@link modelStateDict} writes them) into a model of the same spec.
 * Every weight must be present with its shape; nothing is assigned when one is not.
 */
export function loadModelStateDict(model: VisionLanguageModel, tensors: ReadonlyMap<string, SafeTensor>, source?: string): void {
  if (model.architecture === 'blip2') {
    assignParams(model.vision.params, tensors, { source });
    assignParams(model.lm.params, tensors, { source, prefix: BLIP2_LM_PREFIX });
    loadUpstreamStateDict(model.qformer.weights(), tensors, model.qformer.upstreamNameMap('hf'), { allowUnexpected: true, source });
    const heads = model.textHeads;
    if (heads) loadUpstreamStateDict(heads.weights(), tensors, heads.upstreamNameMap('hf'), { allowUnexpected: true, source });
    return;
  }
  if (model.architecture === 'flamingo') {
    assignParams(model.vision.params, tensors, { source, prefix: FLAMINGO_PREFIXES.vision });
    const lm = new Map<string, SafeTensor>();
    for (const [k, v] of tensors) {
      const name = fromFlamingoLm(k);
      if (name !== undefined) lm.set(name, v);
    }
    assignParams(model.lm.params, lm, { source });
    const r = model.options.resampler;
    if (r) loadUpstreamStateDict(r.weights(), tensors, (r as unknown as Connector).upstreamNameMap('open-flamingo'), { allowUnexpected: true, source });
    for (const [layer, block] of model.options.crossAttention) {
      loadUpstreamStateDict(block.weights(), tensors, block.upstreamNameMap('open-flamingo', `${FLAMINGO_PREFIXES.lm}model.layers.${layer}.`), { allowUnexpected: true, source });
    }
    return;
  }
  assignParams(model.lm.params, tensors, { source });
  assignParams(model.vision.params, tensors, { source, prefix: VISION_PREFIX });
  const c = model.connector as unknown as Connector;
  loadUpstreamStateDict(c.weights(), tensors, c.upstreamNameMap('llava'), { allowUnexpected: true, source });
}
