// Test-only: a tiny LLaVA, the byte tokenizer and a few real PNG records on disk.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LlavaRecord } from '@vlm/core';
import sharp from 'sharp';
import type { LlavaModelSpec } from '../../checkpoint/model-spec';

export const TINY_SPEC: LlavaModelSpec = {
  vision: { hiddenSize: 16, intermediateSize: 32, numHiddenLayers: 2, numAttentionHeads: 2, imageSize: 8, patchSize: 4, numChannels: 3, layerNormEps: 1e-5, hiddenAct: 'quick_gelu', initializerRange: 0.1 },
  lm: {
    vocabSize: 272, hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 1, numAttentionHeads: 2, numKeyValueHeads: 2, maxPositionEmbeddings: 512,
    rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: true, initializerRange: 0.05, bosTokenId: 1, eosTokenId: 2,
  },
  connector: { type: 'mlp2x_gelu', inputDim: 16, outputDim: 32 },
};

const COLOURS: Record<string, [number, number, number]> = { red: [220, 40, 40], blue: [40, 80, 220], green: [40, 170, 60] };

/** Writes one solid-colour PNG per colour and LLaVA records asking for the colour (plus a text-only one). */
export async function writeColourDataset(dir: string): Promise<{ file: string; imageRoot: string; records: LlavaRecord[] }> {
  const imageRoot = join(dir, 'images');
  mkdirSync(imageRoot, { recursive: true });
  const records: LlavaRecord[] = [];
  for (const [name, rgb] of Object.entries(COLOURS)) {
    const png = await sharp(Buffer.alloc(8 * 8 * 3).map((_, i) => rgb[i % 3] as number), { raw: { width: 8, height: 8, channels: 3 } }).png().toBuffer();
    writeFileSync(join(imageRoot, `${name}.png`), png);
    records.push({ id: name, image: `${name}.png`, conversations: [{ from: 'human', value: '<image>\nColour?' }, { from: 'gpt', value: name }] });
  }
  records.push({ id: 'text', conversations: [{ from: 'human', value: 'Shapes?' }, { from: 'gpt', value: 'circles' }] });
  const file = join(dir, 'data.json');
  writeFileSync(file, JSON.stringify(records));
  return { file, imageRoot, records };
}
