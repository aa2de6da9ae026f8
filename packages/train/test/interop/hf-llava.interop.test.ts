import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IMAGE_TOKEN_INDEX, formatConversation } from '@vlm/core';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportHfLlava, loadCheckpoint, preprocessImage } from '../../src/node/index';
import { TEST_IDS, llavaLogits, testPixels, tinyCheckpoint } from '../../src/hf/__fixtures__/tiny-llava-checkpoint';
import { useCpuBackend } from '../../src/testing/backend';
import { findPythonEnv, interopSuiteName, runPython } from './python-env';

const env = findPythonEnv();

/** HF input ids: each -200 becomes `n` copies of the image token, as LlavaProcessor expands `<image>`. */
function expandImage(ids: readonly number[], imageToken: number, n: number): number[] {
  return ids.flatMap((id) => (id === IMAGE_TOKEN_INDEX ? Array<number>(n).fill(imageToken) : [id]));
}

function maxDiff(flat: number[], shape: number[], ours: number[][], columns: number): number {
  const [rows, vocab] = shape as [number, number];
  expect(rows).toBe(ours.length);
  let m = 0;
  for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) m = Math.max(m, Math.abs((flat[i * vocab + j] as number) - (ours[i]?.[j] as number)));
  return m;
}

interface JudgeResult {
  image_token_index: number;
  image_processor: string;
  logits: number[];
  logits_shape: number[];
  processor_input_ids?: number[];
  processor_pixel_values?: number[];
  chat_text?: string;
}

describe.skipIf(!('python' in env))(interopSuiteName('Hugging Face LLaVA against transformers (LlavaForConditionalGeneration, AutoProcessor)', env), () => {
  let root: string;
  beforeAll(async () => {
    await useCpuBackend();
    root = mkdtempSync(join(tmpdir(), 'vlm-hf-interop-'));
  });

  it('transformers loads our export: same logits on the same ids and pixels (1e-4), same preprocessing, prompt ids and chat template', async () => {
    const ckpt = await tinyCheckpoint(join(root, 'ours'));
    const out = join(root, 'ours-hf');
    const exported = await exportHfLlava(ckpt, out);
    const pixels = testPixels(16);
    const ours = llavaLogits(ckpt.model, TEST_IDS, pixels, 16);
    // an image that needs resizing (37x23 -> shortest edge 16 -> 26x16 -> centre crop 16x16)
    const image = join(root, 'odd.png');
    const raw = Buffer.alloc(37 * 23 * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 97 + Math.floor(i / 111) * 31) % 256;
    await sharp(raw, { raw: { width: 37, height: 23, channels: 3 } }).png().toFile(image);
    const prompt = 'USER: <image>\nWhat colour is the circle? ASSISTANT:';
    const messages = [
      { role: 'user', content: [{ type: 'image' }, { type: 'text', text: 'What colour is the circle?' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'The circle is red.' }] },
      { role: 'user', content: [{ type: 'text', text: 'How many squares?' }] },
    ];
    const request = join(root, 'request.json');
    writeFileSync(request, JSON.stringify({ input_ids: expandImage(TEST_IDS, exported.imageTokenIndex, 16), pixel_values: [...pixels], image, prompt, messages }));
    const result = join(root, 'result.json');
    await runPython('hf_llava_judge.py', [out, request, result]);
    const judge = JSON.parse(readFileSync(result, 'utf8')) as JudgeResult;
    expect(judge.image_token_index).toBe(exported.imageTokenIndex);
    expect(judge.logits_shape).toEqual([TEST_IDS.length + 15, 301]);
    expect(maxDiff(judge.logits, judge.logits_shape, ours, 300)).toBeLessThan(1e-4);

    // CLIPImageProcessor (PIL bicubic, shortest edge, centre crop, normalise) and ours on the same file
    const ourPixels = await preprocessImage(image, { size: 16, mode: 'crop', mean: ckpt.spec.image?.mean, std: ckpt.spec.image?.std });
    const theirPixels = judge.processor_pixel_values as number[];
    expect(theirPixels).toHaveLength(ourPixels.length);
    expect(Math.max(...theirPixels.map((v, i) => Math.abs(v - (ourPixels[i] as number))))).toBeLessThan(1e-5);

    // LlavaProcessor's <image> expansion and tokenization equal ours with the -200 expanded
    const before = ckpt.tokenizer.encode('USER: ');
    const after = ckpt.tokenizer.encodeText('\nWhat colour is the circle? ASSISTANT:', { prefix: false });
    expect(judge.processor_input_ids).toEqual([...before, ...Array<number>(16).fill(exported.imageTokenIndex), ...after]);

    // the chat template writes what formatConversation writes (vicuna_v1)
    const formatted = formatConversation({ image: 'odd.png', conversations: [{ from: 'human', value: '<image>\nWhat colour is the circle?' }, { from: 'gpt', value: 'The circle is red.' }, { from: 'human', value: 'How many squares?' }] }, { template: 'vicuna_v1' });
    expect(judge.chat_text).toBe(`${formatted.text}ASSISTANT:`);
  });

  for (const variant of [{ name: 'F32, one file', args: [] as string[] }, { name: 'BF16, sharded', args: ['--dtype', 'bfloat16', '--shard', '30000'] }]) {
    it(`a tiny LLaVA created and saved by transformers (${variant.name}) loads here with the same logits (1e-4)`, async () => {
      const dir = join(root, `theirs-${variant.args.length}`);
      const ckpt = await tinyCheckpoint(join(root, `tok-${variant.args.length}`)); // for its BPE tokenizer.json
      const tokenizerFile = join(ckpt.dir, 'tokenizer.json');
      const pixels = testPixels(16, 9);
      const request = join(root, `create-${variant.args.length}.json`);
      writeFileSync(request, JSON.stringify({ input_ids: expandImage(TEST_IDS, 300, 16), pixel_values: [...pixels] }));
      const result = join(root, `created-${variant.args.length}.json`);
      await runPython('hf_llava_create.py', [dir, tokenizerFile, request, result, ...variant.args]);
      const theirs = JSON.parse(readFileSync(result, 'utf8')) as JudgeResult & { vocab_size: number };
      expect(theirs.image_token_index).toBe(300);
      const loaded = await loadCheckpoint(dir);
      expect(loaded.spec.image?.mode).toBe('crop');
      const ours = llavaLogits(loaded.model, TEST_IDS, pixels, 16);
      expect(maxDiff(theirs.logits, theirs.logits_shape, ours, theirs.vocab_size)).toBeLessThan(1e-4);
    });
  }
});
