import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { runBuiltCli, startOpenAIServer, type OpenAIServer } from '@vlm/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const binary = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

describe('vlm-eval answer keeps images inside --images (the built binary)', () => {
  let dir: string;
  let server: OpenAIServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vlm-eval-images-'));
    mkdirSync(join(dir, 'images'));
    const png = sharp({ create: { width: 4, height: 4, channels: 3, background: '#336699' } }).png();
    await png.clone().toFile(join(dir, 'images', 'in.png'));
    await png.clone().toFile(join(dir, 'secret.png'));
    server = await startOpenAIServer({ handler: () => 'blue', apiKey: 'k' });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects absolute and ../ image paths before any request, naming the row and id', async () => {
    for (const [name, image] of [['dotdot', '../secret.png'], ['absolute', join(dir, 'secret.png')]] as const) {
      const questions = join(dir, `${name}.jsonl`);
      writeFileSync(questions, `${JSON.stringify({ id: 'fine', image: 'in.png', question: 'Colour?' })}\n${JSON.stringify({ id: name, image, question: 'Colour?' })}\n`);
      const out = join(dir, `${name}-answers.jsonl`);
      const run = await runBuiltCli(binary, ['answer', '--questions', questions, '--images', join(dir, 'images'), '--out', out, '--model', 'm', '--base-url', server.baseURL], { env: { OPENAI_API_KEY: 'k' } });
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain(`[eval_image_outside_root] Image path ${JSON.stringify(image)} leaves the image folder`);
      expect(run.stderr).toContain(`row 1, id "${name}", field image`);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(out)).toBe(false);
    }
    expect(server.chatRequests()).toHaveLength(0);
    // inside the folder it answers
    const ok = join(dir, 'ok.jsonl');
    writeFileSync(ok, `${JSON.stringify({ id: 'fine', image: 'sub/../in.png', question: 'Colour?' })}\n`);
    const run = await runBuiltCli(binary, ['answer', '--questions', ok, '--images', join(dir, 'images'), '--out', join(dir, 'ok-answers.jsonl'), '--model', 'm', '--base-url', server.baseURL], { env: { OPENAI_API_KEY: 'k' } });
    expect(run.code, run.stderr).toBe(0);
    expect(server.chatRequests()).toHaveLength(1);
  });
});
