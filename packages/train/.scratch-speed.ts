import * as tf from '@tensorflow/tfjs';
import { createRng } from '@vlm/core';
import { selectBackend } from '@vlm/connectors';
import { LlamaModel, maskedCrossEntropy } from './src/index';
await selectBackend();
for (const [D, L, B] of [[64, 256, 8], [128, 256, 8], [96, 256, 8]] as const) {
  const lm = new LlamaModel({ vocabSize: 272, hiddenSize: D, intermediateSize: D * 2.75 | 0, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 4, maxPositionEmbeddings: 1024, rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: true }, createRng(1));
  const rng = createRng(2);
  const ids = Array.from({ length: B }, () => Array.from({ length: L }, () => 16 + rng.int(200)));
  const vars = lm.params.variables();
  const run = async () => {
    const { value, grads } = tf.variableGrads(() => {
      const logits = lm.forward({ inputIds: tf.tensor2d(ids, undefined, 'int32') }).logits;
      return maskedCrossEntropy(logits, tf.tensor2d(ids, undefined, 'int32'));
    }, vars);
    await value.data(); tf.dispose([value, ...Object.values(grads)]);
  };
  await run();
  const t0 = performance.now(); for (let i = 0; i < 3; i++) await run();
  const s = (performance.now() - t0) / 3000;
  console.log(`D=${D} L=${L} B=${B}: ${s.toFixed(3)} s/step, ${(B * L / s).toFixed(0)} tok/s`);
}
