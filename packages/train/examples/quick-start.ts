// A tiny LLaVA built from scratch: preprocess a real PNG, splice it into a LLaMA, train the connector
// for a few steps (stage 1), generate, then save and reload the LM in the Hugging Face layout.
// Run: pnpm --filter @vlm/train example
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { IGNORE_INDEX, IMAGE_TOKEN_INDEX, createRng } from '@vlm/core';
import { createConnector, selectBackend } from '@vlm/connectors';
import sharp from 'sharp';
import {
  ClipVisionModel, LlamaModel, LlavaModel, estimateTrainingMemory, generate, llavaSession, maskedCrossEntropy, trainableVariables,
} from '@vlm/train';
import { loadLlama, preprocessImages, saveLlama } from '@vlm/train/node';

await selectBackend();
const dir = await mkdtemp(join(tmpdir(), 'vlm-train-example-'));
try {
  // 1. A real image file, decoded and normalised like CLIP / LLaVA-1.5 (pad to square with the mean colour).
  const imagePath = join(dir, 'slide.png');
  await sharp({ create: { width: 48, height: 32, channels: 3, background: { r: 200, g: 80, b: 160 } } }).png().toFile(imagePath);
  const pixels = await preprocessImages([imagePath], { size: 32, mode: 'pad' }); // [1, 3, 32, 32]

  // 2. The towers and a connector (LLaVA-1.5's mlp2x_gelu).
  const vision = new ClipVisionModel({ hiddenSize: 64, intermediateSize: 128, numHiddenLayers: 2, numAttentionHeads: 4, imageSize: 32, patchSize: 8, numChannels: 3, layerNormEps: 1e-5, hiddenAct: 'quick_gelu' }, createRng(1));
  const lm = new LlamaModel({ vocabSize: 64, hiddenSize: 64, intermediateSize: 128, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2, maxPositionEmbeddings: 128, rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: false }, createRng(2));
  const connector = createConnector({ type: 'mlp2x_gelu', inputDim: 64, outputDim: 64 }, createRng(3));
  const model = new LlavaModel({ vision, connector, lm });

  // 3. Stage 1: only the connector trains. One -200 per image; the answer (and its stop token 2) is trained.
  model.modules.vision.setTrainable(false);
  model.modules.lm.setTrainable(false);
  const ids = [[1, IMAGE_TOKEN_INDEX, 10, 11, 12, 20, 21, 22, 2]];
  const labels = [[IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX, 20, 21, 22, 2]];
  const memory = estimateTrainingMemory({ lm: lm.config, vision: vision.config, connectorParameters: model.modules.connector.parameterCount(), trainable: { connector: true }, batchSize: 1, seqLength: 24 });
  console.log(`trainable ${memory.parameters.trainable} of ${memory.parameters.total} parameters, ~${(memory.bytes.total / 2 ** 20).toFixed(1)} MiB`);
  const optimizer = tf.train.adam(3e-3);
  for (let step = 0; step < 30; step++) {
    const loss = optimizer.minimize(() => {
      const out = model.forward({ inputIds: ids, labels, pixelValues: pixels });
      return maskedCrossEntropy(out.logits, out.labels as tf.Tensor2D);
    }, true, trainableVariables(model.modules)) as tf.Scalar;
    if (step % 10 === 0 || step === 29) console.log(`step ${step} loss ${(await loss.data())[0]?.toFixed(4)}`);
    loss.dispose();
  }

  // 4. Generate from an image prompt with the KV cache; token 2 is the stop id.
  const session = llavaSession(model, { inputIds: [1, IMAGE_TOKEN_INDEX, 10, 11, 12], pixelValues: pixels });
  const answer = await generate(session, { maxNewTokens: 8, stopIds: [2] });
  session.dispose();
  console.log('generated ids', answer.ids, answer.finishReason);

  // 5. The LM round-trips through the Hugging Face layout (config.json + model.safetensors).
  await saveLlama(lm, join(dir, 'lm'));
  const reloaded = await loadLlama(join(dir, 'lm'));
  console.log('reloaded LM parameters', reloaded.params.count());
} finally {
  await rm(dir, { recursive: true, force: true });
}
