// Per-kernel time of one forward+backward of the small LLaVA case on wasm (for finding hot spots).
import * as tf from '@tensorflow/tfjs-core';
import { IMAGE_TOKEN_INDEX, createRng } from '@vlm/core';
import { createConnector, selectBackend } from '@vlm/connectors';
import { ClipVisionModel, LlamaModel, LlavaModel, maskedCrossEntropy, trainableVariables } from '../src/index';

await selectBackend();
const vision = new ClipVisionModel({ hiddenSize: 256, intermediateSize: 1024, numHiddenLayers: 4, numAttentionHeads: 4, imageSize: 64, patchSize: 8, numChannels: 3, layerNormEps: 1e-5, hiddenAct: 'quick_gelu' }, 'zeros');
const lm = new LlamaModel({ vocabSize: 32000, hiddenSize: 256, intermediateSize: 688, numHiddenLayers: 4, numAttentionHeads: 4, numKeyValueHeads: 4, maxPositionEmbeddings: 512, rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: false }, 'zeros');
const model = new LlavaModel({ vision, lm, connector: createConnector({ type: 'mlp2x_gelu', inputDim: 256, outputDim: 256 }, createRng(3)) });
model.modules.vision.setTrainable(false);
const ids = [0, 1].map(() => [1, IMAGE_TOKEN_INDEX, ...Array.from({ length: 191 }, (_, i) => 3 + i)]);
const px = tf.zeros([2, 3, 64, 64]) as tf.Tensor4D;
const f = () => { const o = model.forward({ inputIds: ids, labels: ids, pixelValues: px }); return maskedCrossEntropy(o.logits, o.labels!); };
const mode = process.argv[2] ?? 'fwd';
const run = () => mode === 'fwd' ? tf.tidy(f) : tf.variableGrads(f, trainableVariables(model.modules)).value;
(await run().data());
const c0 = process.cpuUsage();
const prof = await tf.profile(async () => { const v = run(); await v.data(); });
const c1 = process.cpuUsage(c0);
const byKernel = new Map<string, number>();
for (const k of prof.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number));
const total = [...byKernel.values()].reduce((a, b) => a + b, 0);
console.log(mode, 'cpu s', ((c1.user + c1.system) / 1e6).toFixed(2), 'kernel ms total', total.toFixed(0));
console.log([...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, v]) => `${k} ${v.toFixed(0)}`).join('\n'));
