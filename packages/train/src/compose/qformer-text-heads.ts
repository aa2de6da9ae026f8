import * as tf from '@tensorflow/tfjs-core';
import { type NameMapEntry, TrainableModule, type UpstreamFormat, type WeightNameMap, type WeightSpec, dense, denseSpecs, gelu, layerNorm, layerNormSpecs } from '@vlm/connectors';

/** Sizes of {@link QFormerTextHeads}. */
export interface QFormerTextHeadsConfig {
  /** The tokenizer's vocabulary; ids `vocabSize` and `vocabSize + 1` are [CLS] (ITC/ITM) and [DEC] (ITG). */
  vocabSize: number;
  /** Longest text (position embeddings). */
  maxLength: number;
  /** ITC projection width (LAVIS 256). */
  embedDim: number;
  /** The Q-Former's sizes (the text side shares its layers). */
  qformer: { hiddenSize: number; numLayers: number; intermediateSize: number; layerNormEps: number };
}

/**
 * The text side of BLIP-2's Q-Former that only stage 1 uses: word and position embeddings, each
 * layer's text FFN (BERT `intermediate`/`output`), the ITC projections and learnable temperature
 * (init 0.07), the ITM head, and the ITG language-model head (decoder tied to the word embeddings).
 * Weight names follow Hugging Face `Blip2ForImageTextRetrieval` where it has them, LAVIS otherwise.
 */
export class QFormerTextHeads extends TrainableModule {
  readonly specs: readonly WeightSpec[];
  /** [CLS] id (first text token for ITC and ITM). */
  readonly clsId: number;
  /** [DEC] id (first text token for ITG, LAVIS's bos). */
  readonly decId: number;
  /** Rows of the word embeddings (vocabulary + [CLS] + [DEC]). */
  readonly textVocab: number;

  constructor(readonly config: QFormerTextHeadsConfig) {
    super();
    const h = config.qformer.hiddenSize;
    this.clsId = config.vocabSize;
    this.decId = config.vocabSize + 1;
    this.textVocab = config.vocabSize + 2;
    const bert = { std: 0.02 };
    const specs: WeightSpec[] = [
      { name: 'word_embeddings', shape: [this.textVocab, h], init: { kind: 'normal', std: 0.02 } },
      { name: 'position_embeddings', shape: [config.maxLength, h], init: { kind: 'normal', std: 0.02 } },
    ];
    for (let i = 0; i < config.qformer.numLayers; i++) {
      specs.push(...denseSpecs(`layer_${i}.intermediate`, h, config.qformer.intermediateSize, bert), ...denseSpecs(`layer_${i}.output`, config.qformer.intermediateSize, h, bert), ...layerNormSpecs(`layer_${i}.norm`, h));
    }
    specs.push(
      ...denseSpecs('vision_proj', h, config.embedDim, bert),
      ...denseSpecs('text_proj', h, config.embedDim, bert),
      ...denseSpecs('itm_head', h, 2, bert),
      { name: 'temp', shape: [], init: { kind: 'zeros' } },
      ...denseSpecs('lm_transform', h, h, bert),
      ...layerNormSpecs('lm_transform_norm', h),
      { name: 'lm_bias', shape: [this.textVocab], init: { kind: 'zeros' } },
    );
    this.specs = specs;
  }

  /** Allocates the weights; the temperature starts at 0.07 as in BLIP-2. */
  override build(...args: Parameters<TrainableModule['build']>): this {
    const fresh = !this.built;
    super.build(...args);
    if (fresh) this.w('temp').assign(tf.scalar(0.07));
    return this;
  }

  /** Word + position embeddings of padded ids `[b, t]` -> `[b, t, hidden]` (before the shared LayerNorm). */
  embed(ids: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const t = ids.shape[1];
      const words = tf.gather(this.w('word_embeddings'), ids);
      return tf.add(words, tf.slice(this.w('position_embeddings'), [0, 0], [t, -1])) as tf.Tensor3D;
    });
  }

  /** Layer `i`'s text FFN: LN(h + Dense(GELU(Dense(h)))). */
  textFfn(i: number, h: tf.Tensor): tf.Tensor {
    const inner = gelu(dense(h, this.w(`layer_${i}.intermediate.kernel`), this.w(`layer_${i}.intermediate.bias`)));
    const out = dense(inner, this.w(`layer_${i}.output.kernel`), this.w(`layer_${i}.output.bias`));
    return layerNorm(tf.add(out, h), this.w(`layer_${i}.norm.gamma`), this.w(`layer_${i}.norm.beta`), this.config.qformer.layerNormEps);
  }

  /** ITC features: L2-normalised projections of the query states `[b, q, e]` and the [CLS] states `[b, e]`. */
  itcFeatures(queries: tf.Tensor, cls: tf.Tensor): { image: tf.Tensor3D; text: tf.Tensor2D } {
    const normalize = (x: tf.Tensor) => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', -1, true), 1e-12));
    return {
      image: normalize(dense(queries, this.w('vision_proj.kernel'), this.w('vision_proj.bias'))) as tf.Tensor3D,
      text: normalize(dense(cls, this.w('text_proj.kernel'), this.w('text_proj.bias'))) as tf.Tensor2D,
    };
  }

  /** The learnable temperature, clamped to [0.001, 0.5] as LAVIS does. */
  temperature(): tf.Tensor {
    return tf.clipByValue(this.w('temp'), 0.001, 0.5);
  }

  /** ITM logits: the head on every query state, averaged over queries `[b, 2]`. */
  itmLogits(queries: tf.Tensor): tf.Tensor2D {
    return tf.mean(dense(queries, this.w('itm_head.kernel'), this.w('itm_head.bias')), 1) as tf.Tensor2D;
  }

  /** ITG logits over the text vocabulary for text states `[b, t, hidden]` (decoder tied to the word embeddings). */
  lmLogits(text: tf.Tensor): tf.Tensor3D {
    const h = layerNorm(gelu(dense(text, this.w('lm_transform.kernel'), this.w('lm_transform.bias'))), this.w('lm_transform_norm.gamma'), this.w('lm_transform_norm.beta'), this.config.qformer.layerNormEps);
    return tf.add(dense(h, tf.transpose(this.w('word_embeddings'))), this.w('lm_bias')) as tf.Tensor3D;
  }

  /**
   * Upstream names: HF `Blip2ForImageTextRetrieval` (`embeddings.word_embeddings`, `qformer.encoder.layer.{i}.intermediate/output`,
   * `vision_projection`, `text_projection`, `itm_head`), LAVIS for what HF lacks (`temp`, `Qformer.cls.predictions.*`).
   */
  upstreamNameMap(_format: UpstreamFormat): WeightNameMap {
    const map: NameMapEntry[] = [
      { ours: 'word_embeddings', upstream: 'embeddings.word_embeddings.weight' },
      { ours: 'position_embeddings', upstream: 'embeddings.position_embeddings.weight' },
      { ours: 'temp', upstream: 'temp' },
      { ours: 'lm_bias', upstream: 'Qformer.cls.predictions.bias' },
    ];
    const linear = (ours: string, up: string) => map.push({ ours: `${ours}.kernel`, upstream: `${up}.weight`, transpose: true }, { ours: `${ours}.bias`, upstream: `${up}.bias` });
    const norm = (ours: string, up: string) => map.push({ ours: `${ours}.gamma`, upstream: `${up}.weight` }, { ours: `${ours}.beta`, upstream: `${up}.bias` });
    for (let i = 0; i < this.config.qformer.numLayers; i++) {
      linear(`layer_${i}.intermediate`, `qformer.encoder.layer.${i}.intermediate.dense`);
      linear(`layer_${i}.output`, `qformer.encoder.layer.${i}.output.dense`);
      norm(`layer_${i}.norm`, `qformer.encoder.layer.${i}.output.LayerNorm`);
    }
    linear('vision_proj', 'vision_projection');
    linear('text_proj', 'text_projection');
    linear('itm_head', 'itm_head');
    linear('lm_transform', 'Qformer.cls.predictions.transform.dense');
    norm('lm_transform_norm', 'Qformer.cls.predictions.transform.LayerNorm');
    return map;
  }
}
