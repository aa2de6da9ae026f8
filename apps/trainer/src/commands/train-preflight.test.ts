import { rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { renderScenePng } from '@vlm/datagen';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alignStage, datasetRow, instructStage, runVlmTrain, tinyRunFolder, writeTinyConfig } from '../testing/cli-process';

let dir: string;
beforeAll(async () => {
  dir = await tinyRunFolder('vlm-train-preflight-');
  // A real PNG cut in half, and an empty file: both exist, neither decodes.
  const png = await renderScenePng({ id: 'big', width: 64, height: 64, background: 'white', objects: [{ shape: 'circle', colour: 'green', box: [4, 4, 60, 60], boxNormalised: [0.06, 0.06, 0.94, 0.94] }] });
  writeFileSync(join(dir, 'images', 'truncated.png'), png.subarray(0, Math.floor(png.length / 2)));
  writeFileSync(join(dir, 'images', 'empty.png'), Buffer.alloc(0));
  const rows = [datasetRow('fine', 'red.png', 'Colour?', 'red'), datasetRow('zero', 'empty.png', 'Colour?', 'green'), datasetRow('cut', 'truncated.png', 'Colour?', 'green'), datasetRow('gone', 'missing.png', 'Colour?', 'x')];
  writeFileSync(join(dir, 'broken.json'), JSON.stringify(rows));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vlm-train checks every stage before the first step (built CLI)', () => {
  it('lists every problem of every stage (unknown template, undecodable images with row and file) and trains nothing', async () => {
    writeTinyConfig(dir, 'broken.yaml', 'broken-run', [alignStage(3), instructStage(5, { template: 'no_such_template', data: { path: 'broken.json', imageRoot: 'images' } })]);
    const r = await runVlmTrain(dir, 'train', '--config', 'broken.yaml');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[preflight_failed] 2 problem(s) found before training; nothing was trained');
    expect(r.stderr).toMatch(/stages\[1\] \(instruct\)\.template: \[template_unknown\] Unknown conversation template "no_such_template"/);
    expect(r.stderr).toMatch(/row 1, id "zero", field image: image_undecodable: \S*images\/empty\.png does not decode/);
    expect(r.stderr).toMatch(/row 2, id "cut", field image: image_undecodable: \S*images\/truncated\.png does not decode/);
    expect(r.stderr).toMatch(/row 3, id "gone", field image: image_missing/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stdout).not.toContain('stage 0 align');
    expect(existsSync(join(dir, 'broken-run'))).toBe(false);
  });

  it('validate decodes every image: a 0-byte and a truncated PNG are named with their row', async () => {
    const r = await runVlmTrain(dir, 'validate', 'broken.json', '--image-root', 'images');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/row 1 \(id "zero"\) image: image_undecodable: \S*empty\.png does not decode/);
    expect(r.stdout).toMatch(/row 2 \(id "cut"\) image: image_undecodable: \S*truncated\.png does not decode/);
    expect(r.stdout).toMatch(/broken\.json: 4 records, 1 valid, 3 issue\(s\) \(.*image_undecodable 2/);
  });
});
