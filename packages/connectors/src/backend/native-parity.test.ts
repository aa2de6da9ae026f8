import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@vlm/core';
import { createConnector, type ConnectorConfig } from '../connectors/create-connector';
import { GatedCrossAttentionBlock } from '../connectors/gated-cross-attention';
import { describeNativeParity, type ParityCase } from '../testing/backend-parity';
import { seededTensor } from '../testing/grad-check';

// The native backend (tfjs-node) against wasm with the toolkit's kernels (what selectBackend picks when
// tfjs-node is missing): every connector's output and the gradient of every weight, within 1e-5.

function connectorCase(config: ConnectorConfig, input: number[], seed: number): () => ParityCase {
  return () => {
    const m = createConnector(config, createRng(seed));
    return { variables: [...m.weights().values()], forward: () => m.apply(seededTensor(input, seed + 1)) };
  };
}

const cases: [string, () => ParityCase][] = [
  ['linear', connectorCase({ type: 'linear', inputDim: 12, outputDim: 16 }, [2, 5, 12], 1)],
  ['mlp2x_gelu', connectorCase({ type: 'mlp2x_gelu', inputDim: 12, outputDim: 16 }, [2, 5, 12], 2)],
  ['mlp3x_gelu', connectorCase({ type: 'mlp3x_gelu', inputDim: 12, outputDim: 16 }, [2, 5, 12], 3)],
  ['qformer', connectorCase({ type: 'qformer', hiddenSize: 16, numLayers: 2, numHeads: 2, intermediateSize: 32, encoderWidth: 12, numQueries: 4, outputDim: 8, dropout: 0 }, [2, 6, 12], 4)],
  ['perceiver', connectorCase({ type: 'perceiver', dim: 16, depth: 2, heads: 2, dimHead: 8, numLatents: 4 }, [2, 2, 5, 16], 5)],
  ['gated cross-attention', () => {
    const m = new GatedCrossAttentionBlock({ dim: 16, dimVisual: 12, heads: 2, dimHead: 8 }).build(createRng(7));
    m.weights().get('attn_gate')!.assign(tf.tensor1d([0.5]));
    m.weights().get('ff_gate')!.assign(tf.tensor1d([0.5]));
    const textTime = () => tf.tensor2d([[0, 1, 1, 2, 2, 2], [1, 1, 1, 1, 2, 2]], undefined, 'int32');
    return { variables: [...m.weights().values()], forward: () => m.apply(seededTensor([2, 6, 16], 8), seededTensor([2, 2, 3, 12], 9), { textTime: textTime() }) };
  }],
];

await describeNativeParity('native (tfjs-node) and wasm agree on every connector, forward and gradients', cases);
