import type * as tf from '@tensorflow/tfjs-core';
import { TrainableModule } from '../modules/trainable-module';

/** Options of a forward pass. */
export interface ApplyOptions {
  /** Enables dropout. */
  training?: boolean;
}

/**
 * A connector from vision features to language-model embeddings: x [batch, tokens, visionWidth]
 * -> [batch, outputTokens, lmWidth].
 */
export abstract class Connector extends TrainableModule {
  /** The connector's type name (`linear`, `mlp2x_gelu`, `identity`, `qformer`, `perceiver`). */
  abstract readonly type: string;
  /** Width of the vision features it takes. */
  abstract readonly inputDim: number;
  /** Width of the embeddings it produces. */
  abstract readonly outputDim: number;
  /** Tokens out for `inputTokens` tokens in (constant for resamplers). */
  abstract outputTokens(inputTokens: number): number;
  /** The forward pass. */
  abstract apply(x: tf.Tensor, options?: ApplyOptions): tf.Tensor;
}
