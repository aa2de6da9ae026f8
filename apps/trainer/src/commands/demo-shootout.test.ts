import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVlmTrain, startVlmTrain } from '../testing/cli-process';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vlm-demo-shootout-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vlm-train demo --compare-connectors (built CLI)', () => {
  it('--help documents the shoot-out; a bad connector or config is a usage error before any work', async () => {
    const help = await runVlmTrain(dir, 'demo', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--compare-connectors');
    expect(help.stdout).toContain('linear,mlp2x_gelu,qformer,perceiver,flamingo');
    expect(help.stdout).toContain('Ctrl-C');
    expect(help.stdout).toContain('--pretrained-from <dir>');

    const wrong = await runVlmTrain(dir, 'demo', '--compare-connectors', '--connectors', 'linear,resnet');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--connectors: "resnet" is not a connector the shoot-out knows');
    expect(wrong.stderr).not.toMatch(/\n\s+at /);
    const alone = await runVlmTrain(dir, 'demo', '--connectors', 'linear');
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--connectors needs --compare-connectors');

    writeFileSync(join(dir, 'bad.yaml'), 'compareConnectors:\n  connectors: [linear]\n  stage2Step: 10\n');
    const bad = await runVlmTrain(dir, 'demo', '--config', 'bad.yaml');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/\[config_invalid\] bad\.yaml: compareConnectors\.stage2Step is not a shoot-out setting/);
    expect(existsSync(join(dir, 'vlm-connectors'))).toBe(false);
  }, 60_000);

  it('a quick shoot-out from a config prints one table; Ctrl-C finishes the step, saves its checkpoint, writes the report of the finished connectors and exits 130', async () => {
    writeFileSync(join(dir, 'shootout.yaml'), 'compareConnectors:\n  connectors: [linear, mlp2x_gelu]\nquick: true\nout: stopped\n');
    const run = startVlmTrain(dir, ['demo', '--config', 'shootout.yaml']);
    let sent = false;
    run.child.stdout!.on('data', (d: Buffer) => {
      if (!sent && d.toString().includes('connector 2/2')) {
        sent = true;
        run.child.kill('SIGINT');
      }
    });
    const r = await run.done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('SIGINT: finishing the current step');
    expect(r.stdout).toMatch(/interrupted: mlp2x_gelu stage align stopped at step \d+\/3; checkpoint saved to /);
    // The table has the connector finished before the signal: trainable parameters, 4 image tokens (16 px, patch 8), the text-only LM and chance.
    expect(r.stdout).toMatch(/connector\s+trainable\s+image tokens\s+s\/step\s+CPU s\/step\s+total s\s+CPU s\s+colour\s+shape\s+count\s+position/);
    expect(r.stdout).toMatch(/\nlinear \(LLaVA\)\s+\S+ k\s+4\s/);
    expect(r.stdout).not.toMatch(/\nmlp2x_gelu \(LLaVA-1\.5\)\s/);
    expect(r.stdout).toMatch(/text only \(shared LM, no image\)/);
    expect(r.stdout).toContain(`report: ${join('stopped', 'report.html')}`);
    expect(readFileSync(join(dir, 'stopped', 'report.html'), 'utf8')).toContain('Interrupted');
  }, 180_000);
});
