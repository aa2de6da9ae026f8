import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '@vlm/connectors';
import { loadCheckpoint } from '@vlm/train/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shootoutConnectors, tinyShootoutPreset } from './connector-shootout';
import { runConnectorShootout } from './run-connector-shootout';

beforeAll(async () => {
  await selectBackend({ force: 'wasm', log: () => {} });
});
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vlm-shootout-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runConnectorShootout (tiny preset)', () => {
  it('trains one model per connector on the shared towers with its recipe and writes one table (terminal, HTML, PNG, JSON)', async () => {
    const lines: string[] = [];
    const r = await runConnectorShootout({ outDir: dir, preset: tinyShootoutPreset, selectBackend: false, log: (l) => lines.push(l) });
    expect(r.rows.map((x) => x.connector)).toEqual([...shootoutConnectors]);
    // Image tokens the LM sees: 16 px / patch 8 = 4 patches for the projectors, 4 queries / latents for the resamplers, one <image> for Flamingo.
    expect(r.rows.map((x) => x.imageTokens)).toEqual([4, 4, 4, 4, 1]);
    // Recipes: LLaVA trains connector + LM (LM 1 layer of width 32), BLIP-2 and Flamingo keep the LM frozen.
    const [linear, mlp, qformer, perceiver, flamingo] = r.rows;
    expect(mlp!.trainable - linear!.trainable).toBe(32 * 32 + 32); // the same LM; mlp2x_gelu has a second 32x32 linear
    expect(qformer!.trainable).toBeLessThan(linear!.trainable);
    expect(flamingo!.trainable).toBeLessThan(perceiver!.trainable);
    for (const row of r.rows) {
      expect(row.stage2Steps).toBe(tinyShootoutPreset.stage2.steps);
      expect(row.accuracy.map((a) => a.type)).toEqual(['colour', 'shape', 'count', 'position']);
      expect(row.secondsPerStep).toBeGreaterThan(0);
    }
    // Every connector's last checkpoint records its architecture and reloads.
    const archs = await Promise.all(r.rows.map(async (row) => (await loadCheckpoint(row.checkpoint)).meta.model.architecture ?? 'llava'));
    expect(archs).toEqual(['llava', 'llava', 'blip2', 'llava', 'flamingo']);
    expect(readdirSync(join(dir, 'connectors', 'qformer', 'checkpoints')).sort()).toEqual(['0-qformer', '1-generative']);
    expect(readdirSync(join(dir, 'connectors', 'flamingo', 'checkpoints'))).toEqual(['0-flamingo']);
    // The towers were pretrained once.
    expect(lines.filter((l) => l.includes('contrastive pretraining of the vision tower'))).toHaveLength(1);
    expect(readdirSync(join(dir, 'shared', 'checkpoints')).sort()).toEqual(['0-lm-pretrain', '1-lm-chat']);
    const table = r.terminal.join('\n');
    expect(table).toMatch(/connector\s+trainable\s+image tokens\s+s\/step\s+CPU s\/step\s+total s\s+CPU s\s+colour\s+shape\s+count\s+position/);
    expect(table).toMatch(/text only \(shared LM, no image\)/);
    expect(table).toMatch(/chance\s+16\.7 %\s+25\.0 %\s+33\.3 %\s+11\.1 %/);
    expect(r.terminal[0]).toMatch(/^note: This was a quick run/);
    const html = readFileSync(r.reportHtml, 'utf8');
    expect(html).toContain('Perceiver + gated xattn (Flamingo)');
    expect(html).toContain('data:image/png;base64,');
    expect(existsSync(r.lossCurvePng)).toBe(true);
    const json = JSON.parse(readFileSync(r.resultsJson, 'utf8')) as { rows: { connector: string }[] };
    expect(json.rows.map((x) => x.connector)).toEqual([...shootoutConnectors]);

    // An existing shoot-out is never replaced without force.
    await expect(runConnectorShootout({ outDir: dir, preset: tinyShootoutPreset, selectBackend: false })).rejects.toThrow(/already holds a connector shoot-out/);

    // Another process can reuse the towers pretrained once: the same connector trains to the same loss.
    const reused = await runConnectorShootout({ outDir: join(dir, 'reused'), preset: tinyShootoutPreset, selectBackend: false, connectors: ['flamingo'], pretrainedFrom: dir, log: (l) => lines.push(l) });
    expect(lines.filter((l) => l.includes('contrastive pretraining of the vision tower'))).toHaveLength(1);
    expect(reused.rows[0]!.finalLoss).toBe(flamingo!.finalLoss);
    expect(reused.rows[0]!.accuracy).toEqual(flamingo!.accuracy);
    await expect(runConnectorShootout({ outDir: join(dir, 'other-seed'), seed: 3, preset: tinyShootoutPreset, selectBackend: false, pretrainedFrom: dir })).rejects.toThrow(/no finished shared pretraining of this seed and preset/);
  }, 120_000); // ~10 s alone; six tiny models, generous for a loaded machine

  it('stops cleanly when aborted: the stage under way saves its checkpoint and the report covers the finished connectors', async () => {
    const out = join(dir, 'stopped');
    const controller = new AbortController();
    const r = await runConnectorShootout({
      outDir: out, preset: tinyShootoutPreset, selectBackend: false, connectors: ['linear', 'qformer'], signal: controller.signal,
      log: (l) => {
        if (l.startsWith('connector 2/2')) controller.abort();
      },
    });
    expect(r.rows.map((x) => x.connector)).toEqual(['linear']);
    expect(r.interrupted).toMatchObject({ connector: 'qformer', stage: 'qformer', step: 1 });
    expect(existsSync(join(r.interrupted!.checkpoint!, 'checkpoint.json'))).toBe(true);
    expect(readFileSync(r.reportHtml, 'utf8')).toContain('Interrupted');
  }, 120_000);
});
