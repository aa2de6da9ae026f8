// Runnable: pnpm --filter @vlm/connectors example
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@vlm/core';
import { createConnector, GatedCrossAttentionBlock, selectBackend } from '@vlm/connectors';
import { loadModuleWeights, readSafetensorsFile, saveModuleWeights } from '@vlm/connectors/node';

// tfjs-node if installed, else wasm (SIMD + fast kernels), else cpu; VLM_TF_BACKEND=cpu forces one.
await selectBackend();

// LLaVA-1.5's projector, at toy sizes: CLIP features [batch, patches, 32] -> LM embeddings [batch, patches, 64].
const projector = createConnector({ type: 'mlp2x_gelu', inputDim: 32, outputDim: 64 }, createRng(42));
const features = tf.randomNormal([1, 16, 32]);
console.log('projector out', projector.apply(features).shape, 'params', projector.parameterCount());

// One training step on the projector only (stage 1).
const target = tf.randomNormal([1, 16, 64]);
const optimizer = tf.train.adam(1e-3);
const loss = optimizer.minimize(() => tf.losses.meanSquaredError(target, projector.apply(features, { training: true })) as tf.Scalar, true, [...projector.weights().values()]);
console.log('loss', loss?.dataSync()[0]);

// Save with LLaVA's names (model.mm_projector.0/2.weight, [out, in]) and load back.
const path = join(mkdtempSync(join(tmpdir(), 'vlm-')), 'mm_projector.safetensors');
await saveModuleWeights(projector, path, { format: 'llava' });
console.log('saved', [...(await readSafetensorsFile(path)).tensors.keys()]);
const reloaded = createConnector({ type: 'mlp2x_gelu', inputDim: 32, outputDim: 64 }, createRng(7));
await loadModuleWeights(reloaded, path, { format: 'llava' });

// A Q-Former and a Flamingo gated cross-attention block.
const qformer = createConnector({ type: 'qformer', hiddenSize: 32, numLayers: 2, numHeads: 4, intermediateSize: 64, encoderWidth: 32, numQueries: 8, outputDim: 64 }, createRng(1));
console.log('q-former out', qformer.apply(features).shape);
const block = new GatedCrossAttentionBlock({ dim: 64, dimVisual: 32, heads: 4, dimHead: 8 }).build(createRng(2));
const text = tf.randomNormal([1, 5, 64]);
const mediaLocations = tf.tensor2d([[1, 0, 0, 0, 0]], undefined, 'int32'); // <image> a b c d
const out = block.apply(text, features.reshape([1, 1, 16, 32]), { mediaLocations });
console.log('fresh gated block is the identity:', tf.equal(out, text).all().dataSync()[0] === 1);
