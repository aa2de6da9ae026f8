import type { Blip2Model } from './blip2';
import type { FlamingoModel } from './flamingo';
import type { LlavaModel } from './llava';

/**
 * Any model the trainer builds, told apart by `architecture` (`llava`, `blip2`, `flamingo`). Each
 * exposes `vision`, `lm`, the vision `featureSelection` it reads and its trainable `modules` by name
 * (llava: vision, connector, lm; blip2: vision, qformer, connector, lm; flamingo: vision, resampler,
 * xattn, lm).
 */
export type VisionLanguageModel = LlavaModel | Blip2Model | FlamingoModel;
