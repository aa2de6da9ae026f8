import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@vlm/connectors';
import type { Scene } from '@vlm/datagen';
import { answer } from '@vlm/train';
import { loadCheckpoint } from '@vlm/train/node';
import { IGNORE_INDEX, IMAGE_TOKEN_INDEX, formatConversation, loadLlama2Tokenizer, tokenizeConversation, type LlavaRecordInput } from '@vlm/core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENABLE_CHROMIUM, findChromium, launchChromium } from './chromium';
import { encodePng } from './png';
import { buildSite, serveStatic } from './serve-site';
import { scenePixels } from '../src/train/scene-pixels';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** `vlm-train demo --quick`, the CLI from its sources, as a user would run it. */
async function runQuickDemo(out: string): Promise<void> {
  await promisify(execFile)(process.execPath, ['--conditions=@vlm/source', '--import', 'tsx', join(repoRoot, 'apps/trainer/src/cli.ts'), 'demo', '--quick', '--out', out], { cwd: repoRoot });
}

/** Per-stage losses the Node demo wrote to metrics.jsonl. */
function nodeLosses(out: string): Map<string, number[]> {
  const byStage = new Map<string, number[]>();
  for (const line of readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')) {
    const m = JSON.parse(line) as { stage: string; loss: number };
    byStage.set(m.stage, [...(byStage.get(m.stage) ?? []), m.loss]);
  }
  return byStage;
}

const executable = findChromium();

describe.skipIf(!executable)(`playground in headless Chromium (needs Chromium at /usr/bin/chromium or VLM_CHROMIUM; enable with: ${ENABLE_CHROMIUM})`, () => {
  let browser: BrowserContext;
  let site: { url: string; close: () => Promise<void> };
  let closeBrowser: () => Promise<void>;
  let work: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'vlm-playground-'));
    const [built] = await Promise.all([buildSite(join(work, 'site')), runQuickDemo(join(work, 'demo'))]);
    site = await serveStatic(built);
    ({ browser, close: closeBrowser } = await launchChromium(executable!));
  });

  afterAll(async () => {
    await closeBrowser?.();
    await site?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function open(path: string): Promise<Page> {
    const page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(`${path}: ${error.message}`));
    await page.goto(new URL(path, site.url).href);
    return page;
  }

  it('loads every page with its navigation and no script error', async () => {
    for (const path of ['index.html', 'masks.html', 'validate.html', 'train.html', 'checkpoint.html']) {
      const page = await open(path);
      await expect(page.locator('nav.top a.current').count()).resolves.toBe(1);
      await expect(page.locator('h1').textContent()).resolves.toBeTruthy();
      await page.close();
    }
    expect(pageErrors).toEqual([]);
  });

  it('masks: a pasted record shows the same trained / total / image counts as @vlm/core in Node', async () => {
    const record: LlavaRecordInput = {
      id: 'known-1',
      image: 'cat.png',
      conversations: [
        { from: 'human', value: '<image>\nWhat is in the picture?' },
        { from: 'gpt', value: 'An orange cat asleep on a sofa.' },
        { from: 'human', value: 'Is it awake?' },
        { from: 'gpt', value: 'No, its eyes are closed.' },
      ],
    };
    // The expectation is computed here, in Node, by the same packages a user would call.
    const tokenizer = await loadLlama2Tokenizer();
    const seq = tokenizeConversation(formatConversation(record, { template: 'llava_llama_2' }), tokenizer, { imageTokens: 4 });
    const trained = [...seq.labels].filter((l) => l !== IGNORE_INDEX).length;
    const images = [...seq.inputIds].filter((id) => id === IMAGE_TOKEN_INDEX).length;
    expect(images).toBe(4);

    // Bundle budget: every script the masks page loads (the LLaMA-2 vocabulary included), gzipped.
    const scripts = new Map<string, Promise<Buffer>>();
    const page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(`masks.html: ${error.message}`));
    page.on('response', (r) => {
      if (r.url().endsWith('.js')) scripts.set(r.url(), r.body());
    });
    await page.goto(new URL('masks.html', site.url).href);
    await page.waitForSelector('[data-count=total]');
    let gzipped = 0;
    for (const body of scripts.values()) gzipped += gzipSync(await body).length;
    expect(scripts.size).toBeGreaterThan(0);
    expect(gzipped).toBeLessThan(1.5e6);
    await page.selectOption('#template', 'llava_llama_2');
    await page.fill('#image-tokens', '4');
    await page.dispatchEvent('#image-tokens', 'change');
    await page.fill('#record', JSON.stringify(record, null, 2));
    await expect.poll(() => page.locator('[data-count=total]').textContent()).toBe(String(seq.inputIds.length));
    await expect(page.locator('[data-count=trained]').textContent()).resolves.toBe(String(trained));
    await expect(page.locator('[data-count=image]').textContent()).resolves.toBe('4');
    // The highlighted tokens are the trained ones, each with its id on hover.
    await expect(page.locator('#mask .tok.trained').count()).resolves.toBe(trained);
    const trainedText = (await page.locator('#mask .tok.trained').allTextContents()).join('');
    expect(trainedText).toContain('cat asleep');
    expect(trainedText).not.toContain('picture');
    const firstTrained = page.locator('#mask .tok.trained').first();
    const id = await firstTrained.getAttribute('data-id');
    expect(seq.inputIds).toContain(Number(id));
    await expect(firstTrained.getAttribute('title')).resolves.toMatch(new RegExp(`^id ${id} · trained`));

    // A bad record: the typed error with its row and field, no counts.
    const bad = [record, { id: 'b', conversations: [{ from: 'human', value: 'hi' }, { from: 'assistant', value: 'yo' }] }];
    await page.fill('#record', bad.map((r) => JSON.stringify(r)).join('\n'));
    await expect.poll(() => page.locator('#row option').count()).toBe(2);
    await page.selectOption('#row', '1');
    await expect.poll(() => page.locator('#errors .error').getAttribute('data-code')).toBe('dataset_schema');
    await expect(page.locator('#errors li').textContent()).resolves.toMatch(/^row 1, id "b", field conversations\[1\]\.from: /);
    await expect(page.locator('[data-count=total]').count()).resolves.toBe(0);
    await page.close();
  });

  it('validate: a bad dataset and its image folder list every bad row and offer the clean subset', async () => {
    const folder = join(work, 'data', 'images');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'red.png'), encodePng(16, 16, () => [220, 30, 30]));
    writeFileSync(join(folder, 'blue.png'), encodePng(8, 12, (x) => [0, 0, x * 20]));
    writeFileSync(join(folder, 'truncated.png'), encodePng(16, 16, () => [1, 2, 3]).subarray(0, 40));
    const good = (id: string, image: string) => ({ id, image, conversations: [{ from: 'human', value: '<image>\nColour?' }, { from: 'gpt', value: 'Red.' }] });
    const rows = [
      JSON.stringify(good('ok-1', 'red.png')),
      JSON.stringify({ id: 'roles', image: 'red.png', conversations: [{ from: 'gpt', value: '<image>' }, { from: 'human', value: 'x' }] }),
      JSON.stringify({ id: 'two-images', image: 'red.png', conversations: [{ from: 'human', value: '<image>\n<image>' }, { from: 'gpt', value: 'x' }] }),
      JSON.stringify(good('missing', 'green.png')),
      JSON.stringify(good('broken', 'truncated.png')),
      '{"id": "cut", "conversations": [',
      JSON.stringify({ id: 'schema', conversations: 'none' }),
      JSON.stringify(good('ok-2', 'blue.png')),
    ];
    const datasetPath = join(work, 'data', 'train.jsonl');
    writeFileSync(datasetPath, `${rows.join('\n')}\n`);

    const page = await open('validate.html');
    await page.setInputFiles('#image-folder', folder);
    await page.setInputFiles('#dataset-file', datasetPath);
    await expect.poll(() => page.locator('[data-summary=records]').textContent()).toBe('8');
    await expect(page.locator('[data-summary=valid]').textContent()).resolves.toBe('2');
    const listed = await page.locator('#issues tbody tr').evaluateAll((trs) => trs.map((tr) => `${tr.getAttribute('data-row')} ${tr.getAttribute('data-code')}`));
    expect(new Set(listed.map((l) => Number(l.split(' ')[0])))).toEqual(new Set([1, 2, 3, 4, 5, 6]));
    expect(listed).toEqual(
      expect.arrayContaining(['1 roles_out_of_order', '2 extra_image_token', '3 image_missing', '4 image_undecodable', '5 json_syntax', '6 schema']),
    );
    await expect(page.locator('#summary').textContent()).resolves.toContain('2 image file(s) decoded');
    const href = await page.locator('#download-clean').getAttribute('href');
    const clean = await page.evaluate(async (url) => (await fetch(url!)).text(), href);
    expect(clean.trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(['ok-1', 'ok-2']);
    await expect(page.locator('#download-clean').getAttribute('download')).resolves.toBe('train.clean.jsonl');
    await page.close();
    expect(pageErrors).toEqual([]);
  });

  it('train: the quick preset trains to the end in the page (cancel, resume), its losses fall as the CLI\'s do, and the model answers', async () => {
    const page = await open('train.html?preset=quick');
    await page.click('#start');
    await page.click('#cancel');
    await page.waitForSelector('body[data-training=paused]', { timeout: 60_000 });
    await expect(page.locator('#phase').textContent()).resolves.toContain('cancelled');
    await page.click('#resume');
    await page.waitForSelector('body[data-training=done]', { timeout: 240_000 });
    await expect(page.locator('#errors').textContent()).resolves.toBe('');
    await expect(page.locator('#backend-label').getAttribute('data-backend')).resolves.toMatch(/^(webgpu|webgl|wasm)$/);
    const losses = JSON.parse((await page.locator('#results').getAttribute('data-losses'))!) as { name: string; losses: number[] }[];
    expect(losses.map((s) => s.name)).toEqual(['vision (contrastive)', 'lm-pretrain', 'align', 'instruct']);
    for (const s of losses) expect(s.losses.at(-1)!, s.name).toBeLessThan(s.losses[0]!);
    // The page trains the model `vlm-train demo --quick` trains: same world, data, tokenizer, init and steps.
    const node = nodeLosses(join(work, 'demo'));
    for (const s of losses.slice(1)) {
      const expected = node.get(s.name)!;
      expect(s.losses).toHaveLength(expected.length);
      s.losses.forEach((l, i) => expect(l, `${s.name} step ${i + 1}`).toBeCloseTo(expected[i]!, 4));
    }
    await expect(page.locator('#accuracy tbody tr').count()).resolves.toBe(4);
    await page.locator('#suggestions button').first().click();
    await page.click('#ask');
    await page.waitForSelector('[data-answer="1"][data-done=true]', { timeout: 60_000 });
    await expect(page.locator('[data-answer="1"]').textContent()).resolves.toBeTruthy();
    await page.close();
    expect(pageErrors).toEqual([]);
  });

  it('checkpoint: a folder written by `vlm-train demo --quick` opens in the page and answers as in Node', async () => {
    const folder = join(work, 'demo', 'checkpoints', '2-instruct');
    const page = await open('checkpoint.html');
    await page.setInputFiles('#checkpoint-folder', folder);
    await page.waitForSelector('body[data-checkpoint=ready]', { timeout: 60_000 });
    await expect(page.locator('#checkpoint-info').textContent()).resolves.toContain('stage 2 instruct, step 3/3, template vicuna_v1');
    const scene = JSON.parse((await page.locator('#scene-canvas').getAttribute('data-scene'))!) as Scene;
    const questions = await page.locator('#suggestions button').evaluateAll((bs) => bs.map((b) => b.textContent!));
    // The same checkpoint in Node, answering the same questions about the same pixels.
    await selectBackend({ force: 'wasm', log: () => {} });
    const loaded = await loadCheckpoint(folder);
    const chat = { model: loaded.model, tokenizer: loaded.tokenizer, template: loaded.meta.template, systemMessage: loaded.meta.systemMessage };
    const size = loaded.spec.vision.imageSize;
    const expected: string[] = [];
    for (const q of questions) {
      const pixels = tf.tensor4d(scenePixels(scene), [1, 3, size, size]);
      expected.push(await answer(chat, [{ from: 'human', value: `<image>\n${q} Answer briefly.` }], { pixelValues: pixels, maxNewTokens: 24 }));
      pixels.dispose();
    }
    // Ask the question whose answer says the most (a tiny 3-step model often stops at once).
    const k = expected.reduce((best, a, i) => (a.length > expected[best]!.length ? i : best), 0);
    await page.locator('#suggestions button').nth(k).click();
    await page.click('#ask');
    await page.waitForSelector('[data-answer="1"][data-done=true]', { timeout: 60_000 });
    const shown = await page.locator('[data-answer="1"]').textContent();
    expect(shown).toBe(expected[k]!.length > 0 ? expected[k] : '(the model stopped without a word)');
    await page.close();
    expect(pageErrors).toEqual([]);
  });
});
