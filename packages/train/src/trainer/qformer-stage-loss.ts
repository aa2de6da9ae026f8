import * as tf from '@tensorflow/tfjs-core';
import { type Rng, VlmError } from '@vlm/core';
import type { Blip2Model } from '../compose/blip2';
import type { QFormerTextHeads } from '../compose/qformer-text-heads';
import { biModalMask, hardNegatives, itcLoss, itgLoss, itmLoss, maskToBias, uniLmMask, uniModalMask } from '../loss/qformer-objectives';

/** The three stage-1 losses of one micro-batch and their sum. */
export interface QFormerStageLoss {
  loss: tf.Scalar;
  itc: tf.Scalar;
  itm: tf.Scalar;
  itg: tf.Scalar;
}

function heads(model: Blip2Model): QFormerTextHeads {
  if (!model.textHeads) {
    throw new VlmError('config_invalid', 'a qformer stage needs the Q-Former text side, and this BLIP-2 model has none', {
      location: { field: 'model.qformerText' },
      hint: 'set model.qformerText (the trainer fills vocabSize from the tokenizer)',
    });
  }
  return model.textHeads;
}

/** Pads `[first, ...caption]` rows to one length; returns ids and the 0/1 text mask. */
function padTexts(first: number, captions: readonly (readonly number[])[], maxLength: number): { ids: number[][]; mask: number[][] } {
  const rows = captions.map((c) => [first, ...c.slice(0, maxLength - 1)]);
  const T = Math.max(...rows.map((r) => r.length));
  return { ids: rows.map((r) => [...r, ...new Array<number>(T - r.length).fill(0)]), mask: rows.map((r) => r.map(() => 1).concat(new Array<number>(T - r.length).fill(0))) };
}

/**
 * BLIP-2 stage 1 on one micro-batch of image-caption pairs (LAVIS `Blip2Qformer.forward`): ITC with
 * the uni-modal mask, ITM on (positive, negative image, negative text) triples mined from the ITC
 * similarities with the bi-modal mask, and ITG with the UniLM mask; the loss is their sum.
 * `features` are the frozen vision features `[B, n, width]` (one image per caption); `rng` draws the
 * hard negatives (seed it per step so a resumed run draws the same ones).
 */
export function qformerStageLoss(model: Blip2Model, captions: readonly (readonly number[])[], features: tf.Tensor3D, rng: Rng, training = true): QFormerStageLoss {
  const h = heads(model);
  const qformer = model.qformer;
  const B = captions.length;
  if (B < 2) {
    throw new VlmError('config_invalid', `a qformer stage needs at least 2 image-caption pairs per micro-batch for ITC and ITM negatives, got ${B}`, {
      location: { field: 'maxMicroBatchSize' },
      hint: 'raise maxMicroBatchSize (and globalBatchSize) to 2 or more',
    });
  }
  const nq = qformer.config.numQueries;
  const textFfn = (i: number, x: tf.Tensor) => h.textFfn(i, x);
  const maxLength = h.config.maxLength;
  return tf.tidy(() => {
    // ITC: queries and [CLS] text in one pass whose mask keeps them apart.
    const cls = padTexts(h.clsId, captions, maxLength);
    const clsIds = tf.tensor2d(cls.ids, undefined, 'int32');
    const uni = qformer.encodeJoint({ image: features, text: h.embed(clsIds), selfAttentionBias: maskToBias(uniModalMask(nq, cls.mask)), textFfn, training });
    const feats = h.itcFeatures(uni.queries as tf.Tensor, tf.squeeze(tf.slice(uni.text as tf.Tensor, [0, 0, 0], [B, 1, -1]), [1]));
    const itc = itcLoss(feats.image, feats.text, h.temperature());

    // ITM: (image, text), (negative image, text), (image, negative text).
    const neg = hardNegatives(itc.simI2t.arraySync(), itc.simT2i.arraySync(), rng);
    const all = Array.from({ length: B }, (_, i) => i);
    const images = tf.gather(features, tf.tensor1d([...all, ...neg.imageForText, ...all], 'int32'));
    const rows = [...all, ...all, ...neg.textForImage];
    const ids = tf.tensor2d(rows.map((r) => cls.ids[r] as number[]), undefined, 'int32');
    const bi = qformer.encodeJoint({ image: images, text: h.embed(ids), selfAttentionBias: maskToBias(biModalMask(nq, rows.map((r) => cls.mask[r] as number[]))), textFfn, training });
    const itm = itmLoss(h.itmLogits(bi.queries as tf.Tensor));

    // ITG: [DEC] + caption, causal over the text, every query visible.
    const dec = padTexts(h.decId, captions, maxLength);
    const gen = qformer.encodeJoint({ image: features, text: h.embed(tf.tensor2d(dec.ids, undefined, 'int32')), selfAttentionBias: maskToBias(uniLmMask(nq, dec.mask)), textFfn, training });
    const labels = dec.ids.map((r, b) => r.map((t, j) => ((dec.mask[b] as number[])[j] ? t : -100)));
    const itg = itgLoss(h.lmLogits(gen.text as tf.Tensor), labels);

    const loss = tf.addN([itc.loss, itm, itg]) as tf.Scalar;
    return { loss, itc: itc.loss, itm, itg };
  });
}
