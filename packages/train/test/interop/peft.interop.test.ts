import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@vlm/core';
import { readSafetensorsFile } from '@vlm/connectors/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LM_LINEAR_PATTERN, LoraAdapters } from '../../src/lora/lora-adapters';
import { lmLoraTargets } from '../../src/lora/lora-config';
import { mergeAdapter } from '../../src/lora/merge-adapter';
import { loadPeftAdapter, savePeftAdapter } from '../../src/lora/peft-adapter';
import type { LlamaModel } from '../../src/models/llama';
import { useCpuBackend } from '../../src/testing/backend';
import { loadLlama } from '../../src/weights/pretrained';
import { findPythonEnv, interopSuiteName, runPython } from './python-env';

const env = findPythonEnv();
const IDS = [1, 5, 9, 13, 40, 2, 63, 17];

function ourLogits(lm: LlamaModel): number[][] {
  return tf.tidy(() => lm.forward({ inputIds: tf.tensor2d([IDS], [1, IDS.length], 'int32') }).logits.arraySync()[0] as number[][]);
}

function maxDiff(a: number[][], b: number[][]): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  a.forEach((row, i) => row.forEach((x, j) => (m = Math.max(m, Math.abs(x - (b[i]?.[j] ?? Number.NaN))))));
  return m;
}

describe.skipIf(!('python' in env))(interopSuiteName('LoRA adapters against PEFT', env), () => {
  let dir: string;
  let base: string;
  let peftLogits: number[][];
  beforeAll(async () => {
    await useCpuBackend();
    dir = mkdtempSync(join(tmpdir(), 'vlm-peft-interop-'));
    base = join(dir, 'base');
    // One Python start: the tiny LlamaForCausalLM (save_pretrained) and a LoRA adapter PEFT made on it.
    peftLogits = (JSON.parse(await runPython('peft_reference.py', ['prepare', base, join(dir, 'peft-adapter'), JSON.stringify(IDS)])) as { logits: number[][] }).logits;
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads an adapter created and saved by PEFT (rsLoRA) with the same logits', async () => {
    const lm = await loadLlama(base);
    const before = ourLogits(lm);
    const adapters = await loadPeftAdapter(join(dir, 'peft-adapter'), [{ model: lm, prefix: '', pattern: LM_LINEAR_PATTERN, targets: lmLoraTargets }]);
    expect(adapters.shape).toMatchObject({ r: 4, alpha: 6, rslora: true });
    expect(adapters.scaling).toBeCloseTo(6 / 2, 12);
    expect(adapters.modules()).toHaveLength(8);
    const adapted = ourLogits(lm);
    expect(maxDiff(adapted, before)).toBeGreaterThan(1e-2); // the adapter matters
    expect(maxDiff(adapted, peftLogits)).toBeLessThan(1e-4);
  });

  it('PeftModel.from_pretrained loads our adapter with the same logits, merge_and_unload equals vlm-train merge, and the files are what PEFT writes', async () => {
    const lm = await loadLlama(base);
    const shape = { r: 8, alpha: 16, dropout: 0.05, rslora: false, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const, visionTargetModules: [] };
    const adapters = new LoraAdapters({ ...shape, targetModules: [...shape.targetModules] }, [{ model: lm, prefix: '', pattern: LM_LINEAR_PATTERN, targets: shape.targetModules }], createRng(3)).attach();
    const rng = createRng(4);
    for (const p of adapters.params.entries()) if (p.name.includes('lora_B')) p.variable.assign(tf.tensor(Array.from({ length: p.variable.size }, () => rng.normal() * 0.1), p.variable.shape));
    const ours = ourLogits(lm);
    const adapterDir = join(dir, 'our-adapter');
    await savePeftAdapter(adapterDir, adapters, { baseModelNameOrPath: base });

    const merged = join(dir, 'our-merged');
    const result = await mergeAdapter({ adapter: adapterDir, base, out: merged });
    expect(result).toMatchObject({ kind: 'hf-llama', layers: 14 });

    const judged = JSON.parse(await runPython('peft_reference.py', ['judge', base, adapterDir, JSON.stringify(IDS), join(dir, 'peft-merged'), join(dir, 'peft-same-config')])) as {
      logits: number[][]; merged_logits: number[][]; lora_layers: string[]; config: Record<string, unknown>;
    };
    // PEFT adapts exactly our layers, with our settings, and computes our logits.
    expect(judged.lora_layers).toEqual(adapters.modules().map((m) => `base_model.model.${m}`).sort());
    expect(judged.config).toEqual({ r: 8, lora_alpha: 16, use_rslora: false, lora_dropout: 0.05, target_modules: 'model\\.layers\\.\\d+\\.(?:self_attn|mlp)\\.(?:down_proj|gate_proj|k_proj|o_proj|q_proj|up_proj|v_proj)' });
    expect(maxDiff(judged.logits, ours)).toBeLessThan(1e-4);

    // merge_and_unload() == vlm-train merge: weights and logits.
    const theirs = await readSafetensorsFile(join(dir, 'peft-merged', 'model.safetensors'));
    const mine = await readSafetensorsFile(join(merged, 'model.safetensors'));
    expect([...mine.tensors.keys()].sort()).toEqual([...theirs.tensors.keys()].sort());
    let weightDiff = 0;
    for (const [k, t] of theirs.tensors) {
      const a = t.data as Float32Array;
      const b = mine.tensors.get(k)!.data as Float32Array;
      for (let i = 0; i < a.length; i++) weightDiff = Math.max(weightDiff, Math.abs((a[i] as number) - (b[i] as number)));
    }
    expect(weightDiff).toBeLessThan(1e-6);
    const mergedLm = await loadLlama(merged);
    expect(maxDiff(ourLogits(mergedLm), ours)).toBeLessThan(1e-5);
    expect(maxDiff(judged.merged_logits, ourLogits(mergedLm))).toBeLessThan(1e-4);

    // The files are PEFT's: every config field we write is one PEFT writes, with its value; same tensor names, shapes and metadata.
    const ourConfig = JSON.parse(readFileSync(join(adapterDir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    const peftConfig = JSON.parse(readFileSync(join(dir, 'peft-same-config', 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    for (const [field, value] of Object.entries(ourConfig)) {
      expect(Object.keys(peftConfig), field).toContain(field);
      if (field !== 'base_model_name_or_path') expect(value, field).toEqual(peftConfig[field]);
    }
    const peftFile = await readSafetensorsFile(join(dir, 'peft-same-config', 'adapter_model.safetensors'));
    const ourFile = await readSafetensorsFile(join(adapterDir, 'adapter_model.safetensors'));
    expect(ourFile.metadata).toEqual(peftFile.metadata);
    expect(ourFile.entries.map((e) => [e.name, e.dtype, e.shape]).sort()).toEqual(peftFile.entries.map((e) => [e.name, e.dtype, e.shape]).sort());
  }, 300_000);
});
