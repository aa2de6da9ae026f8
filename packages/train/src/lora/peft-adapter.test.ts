import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@vlm/core';
import { readSafetensorsFile, writeSafetensorsFile } from '@vlm/connectors/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../testing/backend';
import { tinyLm, tinyVision } from '../testing/tiny-models';
import { LM_LINEAR_PATTERN, LoraAdapters, type LoraTower, VISION_LINEAR_PATTERN } from './lora-adapters';
import { lmLoraTargets, visionLoraTargets } from './lora-config';
import { type AdapterNaming, loadPeftAdapter, readPeftAdapter, savePeftAdapter } from './peft-adapter';

let dir: string;
beforeAll(async () => {
  await useCpuBackend();
  dir = mkdtempSync(join(tmpdir(), 'vlm-peft-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VISION = 'model.vision_tower.vision_tower.';
const towersOf = (lm: ReturnType<typeof tinyLm>, vision: ReturnType<typeof tinyVision>): LoraTower[] => [
  { model: lm, prefix: '', pattern: LM_LINEAR_PATTERN, targets: lmLoraTargets },
  { model: vision, prefix: VISION, pattern: VISION_LINEAR_PATTERN, targets: visionLoraTargets },
];

function outputs(lm: ReturnType<typeof tinyLm>, vision: ReturnType<typeof tinyVision>): number[] {
  return tf.tidy(() => [
    ...(lm.forward({ inputIds: tf.tensor2d([[1, 4, 9, 3]], [1, 4], 'int32') }).logits.dataSync() as Float32Array),
    ...(vision.features(tf.randomUniform([1, 3, 8, 8], -1, 1, 'float32', 2) as tf.Tensor4D).dataSync() as Float32Array),
  ]);
}

function trainedAdapters(lm: ReturnType<typeof tinyLm>, vision: ReturnType<typeof tinyVision>): LoraAdapters {
  const a = new LoraAdapters({ r: 2, alpha: 4, dropout: 0, rslora: true, targetModules: ['k_proj', 'up_proj'], visionTargetModules: ['v_proj', 'fc1'] }, [
    { model: lm, prefix: '', pattern: LM_LINEAR_PATTERN, targets: ['k_proj', 'up_proj'] },
    { model: vision, prefix: VISION, pattern: VISION_LINEAR_PATTERN, targets: ['v_proj', 'fc1'] },
  ], createRng(1)).attach();
  const rng = createRng(2);
  for (const p of a.params.entries()) p.variable.assign(tf.tensor(Array.from({ length: p.variable.size }, () => rng.normal() * 0.3), p.variable.shape));
  return a;
}

describe('PEFT adapter files', () => {
  for (const [naming, lmKey, visionKey, target] of [
    ['llava', 'model.layers.0.self_attn.k_proj', 'model.vision_tower.vision_tower.vision_model.encoder.layers.1.mlp.fc1', '(?:model\\.layers\\.\\d+\\.(?:self_attn|mlp)\\.(?:k_proj|up_proj)|model\\.vision_tower\\.vision_tower\\.vision_model\\.encoder\\.layers\\.\\d+\\.(?:self_attn|mlp)\\.(?:fc1|v_proj))'],
    ['hf-llava', 'model.language_model.layers.0.self_attn.k_proj', 'model.vision_tower.vision_model.encoder.layers.1.mlp.fc1', '(?:model\\.language_model\\.layers\\.\\d+\\.(?:self_attn|mlp)\\.(?:k_proj|up_proj)|model\\.vision_tower\\.vision_model\\.encoder\\.layers\\.\\d+\\.(?:self_attn|mlp)\\.(?:fc1|v_proj))'],
    ['hf-llava-legacy', 'language_model.model.layers.0.self_attn.k_proj', 'vision_tower.vision_model.encoder.layers.1.mlp.fc1', undefined],
  ] as [AdapterNaming, string, string, string | undefined][]) {
    it(`round-trips LM and vision adapters with ${naming} module names (same outputs)`, async () => {
      const [lm, vision] = [tinyLm(), tinyVision()];
      const adapters = trainedAdapters(lm, vision);
      const want = outputs(lm, vision);
      const out = join(dir, naming);
      await savePeftAdapter(out, adapters, { naming });
      const file = await readSafetensorsFile(join(out, 'adapter_model.safetensors'));
      expect(file.tensors.get(`base_model.model.${lmKey}.lora_A.weight`)?.shape).toEqual([2, 16]);
      expect(file.tensors.get(`base_model.model.${lmKey}.lora_B.weight`)?.shape).toEqual([8, 2]);
      expect(file.tensors.get(`base_model.model.${visionKey}.lora_B.weight`)?.shape).toEqual([16, 2]);
      const config = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8')) as { target_modules: string };
      if (target) expect(config.target_modules).toBe(target);
      expect((await readPeftAdapter(out)).naming).toBe(naming);
      adapters.dispose();
      expect(Math.max(...outputs(lm, vision).map((x, i) => Math.abs(x - (want[i] as number))))).toBeGreaterThan(1e-3);
      const loaded = await loadPeftAdapter(out, towersOf(lm, vision));
      expect(loaded.shape).toMatchObject({ r: 2, alpha: 4, rslora: true });
      expect(loaded.modules()).toHaveLength(8);
      expect(Math.max(...outputs(lm, vision).map((x, i) => Math.abs(x - (want[i] as number))))).toBeLessThan(1e-6);
    });
  }

  it('refuses what it cannot reproduce, naming the field or tensor', async () => {
    const [lm, vision] = [tinyLm(), tinyVision()];
    const out = join(dir, 'bad');
    await savePeftAdapter(out, trainedAdapters(lm, vision));
    const config = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(out, 'adapter_config.json'), JSON.stringify({ ...config, use_dora: true }));
    await expect(readPeftAdapter(out)).rejects.toMatchObject({ code: 'adapter_unsupported', location: { field: 'use_dora' } });
    writeFileSync(join(out, 'adapter_config.json'), JSON.stringify(config));
    const file = await readSafetensorsFile(join(out, 'adapter_model.safetensors'));
    const tensors = new Map([...file.tensors].map(([k, t]) => [k, { shape: t.shape, data: t.data as Float32Array }]));
    tensors.set('base_model.model.lm_head.lora_A.weight', { shape: [2, 16], data: new Float32Array(32) });
    await writeSafetensorsFile(join(out, 'adapter_model.safetensors'), tensors);
    await expect(loadPeftAdapter(out, towersOf(lm, vision))).rejects.toMatchObject({ code: 'adapter_mismatch', location: { field: 'base_model.model.lm_head.lora_A.weight' } });
  });
});
