// End to end: the real CLI entry in a child process — the offline Quilt demo, and argument errors.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseLlavaDataset } from '@vlm/core';
import { describe, expect, it } from 'vitest';
import { vlmDatagen } from '../testing/run-vlm-datagen';

describe('vlm-datagen quilt and pathgen', () => {
  it('runs the Quilt demo offline and reports the cursor error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vlm-quilt-cli-'));
    const result = await vlmDatagen(['quilt', '--demo', '--out-dir', dir, '--width', '320', '--height', '180', '--fps', '6']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/stable chunks: 2/);
    expect(result.stdout).toMatch(/cursor localisation vs the known path: 87\/87 frames detected, mean 0\.00 px/);
    expect(result.stdout).toMatch(/grounding hit rate \(sentence box IoU >= 0\.5 with the region it names\): utterance 5\/5 \(mean IoU [01]\.\d\d\), quilt \d\/5/);
    // The same video encoded and decoded at the default 2 fps: every frame at its own time, the cursor exactly on the path.
    expect(result.stdout).toMatch(/at the default --fps 2 \(the demo as H\.264, decoded by ffmpeg, 29 frames at their own times\): cursor 29\/29 detected, mean 0\.\d\d px.*grounding hit rate utterance [45]\/5/);
    expect(existsSync(join(dir, 'traces', 'demo_000.png'))).toBe(true);
    const records = parseLlavaDataset(JSON.parse(await readFile(join(dir, 'quilt_instruct.json'), 'utf8')));
    expect(records).toHaveLength(8);
  });

  it('fails with a located message and exit 2 on bad arguments', async () => {
    const quilt = await vlmDatagen(['quilt', '--out-dir', '/tmp/x', '--transcript', 'a.srt']);
    expect(quilt.code).toBe(2);
    expect(quilt.stderr).toMatch(/\[missing_option\] give exactly one of --video and --frames/);
    const pathgen = await vlmDatagen(['pathgen', '--slides', 'x']);
    expect(pathgen.code).toBe(2);
    expect(pathgen.stderr).toMatch(/\[missing_option\] pathgen needs --prompts/);
  });
});
