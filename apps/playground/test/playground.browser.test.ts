import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IGNORE_INDEX, IMAGE_TOKEN_INDEX, formatConversation, loadLlama2Tokenizer, tokenizeConversation, type LlavaRecordInput } from '@vlm/core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENABLE_CHROMIUM, findChromium, launchChromium } from './chromium';
import { encodePng } from './png';
import { buildSite, serveStatic } from './serve-site';

const executable = findChromium();

describe.skipIf(!executable)(`playground in headless Chromium (needs Chromium at /usr/bin/chromium or VLM_CHROMIUM; enable with: ${ENABLE_CHROMIUM})`, () => {
  let browser: BrowserContext;
  let site: { url: string; close: () => Promise<void> };
  let closeBrowser: () => Promise<void>;
  let work: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'vlm-playground-'));
    site = await serveStatic(await buildSite(join(work, 'site')));
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
    for (const path of ['index.html', 'masks.html', 'validate.html']) {
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

    const page = await open('masks.html');
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
});
