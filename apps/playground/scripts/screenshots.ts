// Screenshots of each page for the README: `pnpm --filter playground screenshots` (needs Chromium).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENABLE_CHROMIUM, findChromium, launchChromium } from '../test/chromium';
import { encodePng } from '../test/png';
import { buildSite, serveStatic } from '../test/serve-site';

const out = fileURLToPath(new URL('../docs/', import.meta.url));
const presetArg = process.argv.indexOf('--preset');
const preset = presetArg > 0 ? process.argv[presetArg + 1]! : 'quick';
const only = process.argv.slice(2).filter((a, i, all) => a !== '--preset' && all[i - 1] !== '--preset');
const executable = findChromium();
if (!executable) {
  console.error(`No Chromium found; install it with: ${ENABLE_CHROMIUM}`);
  process.exit(1);
}
const work = mkdtempSync(join(tmpdir(), 'vlm-shots-'));
const site = await serveStatic(await buildSite(join(work, 'site')));
const { browser, close } = await launchChromium(executable);
const want = (name: string) => only.length === 0 || only.includes(name);

try {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1200, height: 860 });
  if (want('masks')) {
    await page.goto(new URL('masks.html', site.url).href);
    await page.selectOption('#template', 'llava_llama_2');
    await page.waitForSelector('[data-count=total]');
    await page.locator('#mask .tok.trained').nth(3).hover();
    await page.screenshot({ path: join(out, 'masks.png'), fullPage: true });
  }
  if (want('validate')) {
    const folder = join(work, 'data', 'images');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'scene-0.png'), encodePng(32, 32, (x, y) => (x > 8 && x < 24 && y > 8 && y < 24 ? [220, 40, 40] : [245, 245, 245])));
    writeFileSync(join(folder, 'scene-1.png'), encodePng(32, 32, () => [40, 40, 220]).subarray(0, 50));
    const good = (id: string, image: string) => ({ id, image, conversations: [{ from: 'human', value: '<image>\nWhat colour is the square?' }, { from: 'gpt', value: 'Red.' }] });
    const rows = [
      JSON.stringify(good('scene-0-q0', 'scene-0.png')),
      JSON.stringify(good('scene-1-q0', 'scene-1.png')),
      JSON.stringify(good('scene-2-q0', 'scene-2.png')),
      JSON.stringify({ id: 'scene-0-q1', image: 'scene-0.png', conversations: [{ from: 'human', value: 'How many shapes?' }, { from: 'gpt', value: 'Two.' }] }),
      JSON.stringify({ id: 'scene-0-q2', image: 'scene-0.png', conversations: [{ from: 'gpt', value: 'Hello' }, { from: 'human', value: '<image>' }] }),
      '{"id": "scene-0-q3", "conversations": [',
      JSON.stringify(good('scene-0-q4', '../secrets/scene-0.png')),
    ];
    writeFileSync(join(work, 'data', 'train.jsonl'), `${rows.join('\n')}\n`);
    await page.goto(new URL('validate.html', site.url).href);
    await page.setInputFiles('#image-folder', folder);
    await page.setInputFiles('#dataset-file', join(work, 'data', 'train.jsonl'));
    await page.waitForSelector('#download-clean');
    await page.screenshot({ path: join(out, 'validate.png'), fullPage: true });
  }
  if (want('train')) {
    await page.goto(new URL(`train.html?preset=${preset}&autostart=1`, site.url).href);
    const started = Date.now();
    await page.waitForSelector('body[data-training=done]', { timeout: 7_200_000 });
    console.log(`train (${preset}): ${((Date.now() - started) / 1000).toFixed(1)} s in the page; ${await page.locator('#backend-label').textContent()}`);
    const rows = await page.locator('#accuracy tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent).join(' | ')));
    for (const row of rows) console.log(`  | ${row} |`);
    console.log((await page.locator('#log').textContent())?.trim());
    await page.click('#new-scene');
    await page.locator('#suggestions button').first().click();
    await page.click('#ask');
    await page.waitForSelector('[data-answer="1"][data-done]');
    await page.screenshot({ path: join(out, preset === 'quick' ? 'train.png' : `train-${preset}.png`), fullPage: true });
  }
  if (want('checkpoint')) {
    const demo = join(work, 'demo');
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    execFileSync(process.execPath, ['--conditions=@vlm/source', '--import', 'tsx', join(root, 'apps/trainer/src/cli.ts'), 'demo', '--quick', '--out', demo], { cwd: root });
    await page.goto(new URL('checkpoint.html', site.url).href);
    await page.setInputFiles('#checkpoint-folder', join(demo, 'checkpoints', '2-instruct'));
    await page.waitForSelector('body[data-checkpoint=ready]');
    for (const k of [0, 1]) {
      await page.locator('#suggestions button').nth(k).click();
      await page.click('#ask');
      await page.waitForSelector(`[data-answer="${k + 1}"][data-done]`);
    }
    await page.screenshot({ path: join(out, 'checkpoint.png'), fullPage: true });
  }
} finally {
  await close();
  await site.close();
  rmSync(work, { recursive: true, force: true });
}
