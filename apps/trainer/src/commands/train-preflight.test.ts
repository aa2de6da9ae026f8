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
    expect(r.stderr).toContain('[preflight_failed] 4 problem(s) found before training; nothing was trained');
    expect(r.stderr).toMatch(/stages\[1\] \(instruct\)\.template: \[template_unknown\] Unknown conversation template "no_such_template"/);
    expect(r.stderr).toMatch(/\[image_undecodable\] \S*images\/empty\.png does not decode[^\n]* \(file \S*broken\.json, row 1, id "zero", field image\)\n\s+hint: replace the file with a complete image/);
    expect(r.stderr).toMatch(/\[image_undecodable\] \S*images\/truncated\.png does not decode[^\n]* \(file \S*broken\.json, row 2, id "cut", field image\)/);
    expect(r.stderr).toMatch(/\[image_missing\] .* \(file \S*broken\.json, row 3, id "gone", field image\)\n\s+hint: put the image file at that path/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stdout).not.toContain('stage 0 align');
    expect(existsSync(join(dir, 'broken-run'))).toBe(false);
  });

  it('lists every row the template and tokenizer cannot take (not only the first), the first 50 in full and the rest counted', async () => {
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(boundaryTokenizerJson()));
    // Answers starting with r, b or c tokenize cleanly; any other answer makes the ": " merge cross
    // from the role tag into the answer (a token both trained and untrained): one problem per such row.
    const rows = [datasetRow('fine', 'red.png', 'Colour?', 'red'), datasetRow('lost', 'missing.png', 'Colour?', 'blue')];
    for (let k = 0; k < 55; k++) rows.push(datasetRow(`bad-${k}`, undefined, 'Shapes?', k % 2 === 0 ? 'yes' : 'none'));
    rows.push(datasetRow('also-fine', undefined, 'Shapes?', 'circles'));
    writeFileSync(join(dir, 'many.json'), JSON.stringify(rows));
    writeTinyConfig(dir, 'many.yaml', 'many-run', [alignStage(3), instructStage(5, { data: { path: 'many.json', imageRoot: 'images' } })], {
      tokenizer: { kind: 'hf', file: 'tokenizer.json' },
    });
    const r = await runVlmTrain(dir, 'train', '--config', 'many.yaml');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[preflight_failed] 56 problem(s) found before training; nothing was trained');
    expect(r.stderr).toMatch(/stages\[1\] \(instruct\)\.data: \[image_missing\] .* \(file \S*many\.json, row 1, id "lost", field image\)/);
    const mismatches = [...r.stderr.matchAll(/stages\[1\] \(instruct\)\.data: \[token_span_mismatch\] Token ": " covers both trained and untrained text: ": "\. \(file \S*many\.json, row (\d+), id "bad-(\d+)", field conversations\)\n\s+hint: \S.*/g)];
    expect(mismatches.map((m) => Number(m[1]))).toEqual(Array.from({ length: 49 }, (_, k) => k + 2));
    expect(mismatches.map((m) => Number(m[2]))).toEqual(Array.from({ length: 49 }, (_, k) => k));
    expect(r.stderr).toContain('... and 6 more problem(s) not listed: token_span_mismatch 6');
    expect(r.stderr).not.toMatch(/id "(fine|also-fine)"/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'many-run'))).toBe(false);
  });

  it('validate decodes every image: a 0-byte and a truncated PNG are named with their row', async () => {
    const r = await runVlmTrain(dir, 'validate', 'broken.json', '--image-root', 'images');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/row 1 \(id "zero"\) image: image_undecodable: \S*empty\.png does not decode/);
    expect(r.stdout).toMatch(/row 2 \(id "cut"\) image: image_undecodable: \S*truncated\.png does not decode/);
    expect(r.stdout).toMatch(/broken\.json: 4 records, 1 valid, 3 issue\(s\) \(.*image_undecodable 2/);
  });
});

/**
 * A real Hugging Face BPE tokenizer.json (no pre-tokenizer, so merges may cross words) with the merges
 * " r", " b", " c" before ": ": after a role tag, an answer starting with another letter gets ": " as
 * one token, half role tag and half answer, which tokenizeConversation rejects for that row.
 */
function boundaryTokenizerJson() {
  const specials = ['<unk>', '<s>', '</s>'];
  const vocab: Record<string, number> = {};
  for (const s of specials) vocab[s] = Object.keys(vocab).length;
  for (const c of new Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,:;?!'\"-\n")) vocab[c] = Object.keys(vocab).length;
  const merges = [[' ', 'r'], [' ', 'b'], [' ', 'c'], [':', ' ']];
  for (const [a, b] of merges) vocab[a! + b!] = Object.keys(vocab).length;
  return {
    version: '1.0',
    added_tokens: specials.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer: null,
    post_processor: { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }], pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }], special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } } },
    decoder: null,
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges },
  };
}
