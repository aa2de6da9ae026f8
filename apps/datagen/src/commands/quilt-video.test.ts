// `vlm-datagen quilt --video` end to end in a child process: damaged videos, strictness and transcripts checked first.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { findFfmpeg } from '@vlm/datagen';
import { beforeAll, describe, expect, it } from 'vitest';

import { vlmDatagen } from '../testing/run-vlm-datagen';

const run = promisify(execFile);

describe('vlm-datagen quilt --video', () => {
  let dir: string;
  let truncated: string;
  let transcript: string;

  beforeAll(async () => {
    const ffmpeg = findFfmpeg();
    expect(ffmpeg, 'ffmpeg not found (VLM_FFMPEG, PATH or @ffmpeg-installer/ffmpeg)').toBeDefined();
    dir = await mkdtemp(join(tmpdir(), 'vlm-quilt-video-'));
    const whole = join(dir, 'whole.mp4');
    // A slide with a moving square cursor, 8 s at 10 fps, index at the front so a truncated copy still opens.
    await run(ffmpeg!.path, [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', 'color=c=0xECB2CC:s=160x96:r=10:d=8',
      '-f', 'lavfi', '-i', 'color=c=black:s=8x8:r=10:d=8',
      '-filter_complex', "[0][1]overlay=x='10+15*t':y='30+20*sin(2*t)',noise=alls=30:allf=t",
      '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', whole,
    ]);
    const bytes = await readFile(whole);
    truncated = join(dir, 'truncated.mp4');
    await writeFile(truncated, bytes.subarray(0, bytes.length >> 1));
    transcript = join(dir, 'talk.srt');
    await writeFile(transcript, '1\n00:00:00,200 --> 00:00:02,000\nHere on the left the stroma is loose.\n\n2\n00:02:01,000 --> 00:02:10,000\nThis is narration of some other video.\n');
  });

  it('warns about a truncated video, and fails with --strict before any teacher call', async () => {
    const args = ['quilt', '--video', truncated, '--transcript', transcript, '--fps', '5', '--symbolic', '--kinds', 'conversation'];
    const strict = await vlmDatagen([...args, '--out-dir', join(dir, 'strict'), '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/\[quilt_strict\] stopped before instruction generation \(--strict\): decoded \d+ frames, but 8\.00 s at 5 fps should give 40/);
    expect(strict.stderr).toMatch(/ffmpeg reported \d+ decode errors?/);
    expect(existsSync(join(dir, 'strict', 'quilt_instruct.json'))).toBe(false);

    const lenient = await vlmDatagen([...args, '--out-dir', join(dir, 'lenient')]);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toMatch(/^warning: decoded \d+ frames, but 8\.00 s at 5 fps should give 40/m);
    expect(lenient.stdout).toMatch(/skipped 1 utterance outside the video/);
    expect(lenient.stderr).toMatch(/transcript: 1 of 2 utterances lie outside the video \(0-8\.00 s\) and are skipped/);
    // No frame files: only median frames and trace pictures.
    expect(existsSync(join(dir, 'lenient', 'frames'))).toBe(false);
    expect(existsSync(join(dir, 'lenient', 'traces', 'video_000.png'))).toBe(true);
  });

  it('reads the transcript before decoding: an empty one exits non-zero with a message', async () => {
    const empty = join(dir, 'empty.srt');
    await writeFile(empty, '\n');
    const outDir = join(dir, 'empty-run');
    const result = await vlmDatagen(['quilt', '--video', truncated, '--transcript', empty, '--out-dir', outDir, '--symbolic']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/\[transcript_empty\] the transcript has no utterances/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(outDir, 'images'))).toBe(false);
  });
});
