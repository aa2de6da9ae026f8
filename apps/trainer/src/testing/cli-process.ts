import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { renderScenePng } from '@vlm/datagen';
import { expect } from 'vitest';
import { stringify } from 'yaml';

/** The built `vlm-train` (tests run it in a child process, as a user does). */
export const VLM_TRAIN = resolve(import.meta.dirname, '../../dist/cli.js');

/** What a finished `vlm-train` process left. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the built `vlm-train` in `cwd` (single-threaded wasm: reproducible), optionally piping `input`. */
export function startVlmTrain(cwd: string, args: string[], options: { input?: string } = {}): { child: ChildProcess; done: Promise<CliRun> } {
  if (!existsSync(VLM_TRAIN)) throw new Error(`${VLM_TRAIN} is missing: build first (npm test does)`);
  const child = spawn(process.execPath, [VLM_TRAIN, ...args], { cwd, env: { ...process.env, VLM_TF_BACKEND: 'wasm', NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  if (options.input !== undefined) child.stdin!.end(options.input);
  else child.stdin!.end();
  const done = new Promise<CliRun>((ok) => child.on('close', (code, signal) => ok({ code, signal, stdout, stderr })));
  return { child, done };
}

/**
 * Checks a run that got SIGINT and SIGTERM at once: the first announced it would save, the second quit
 * without saving, with the second's exit code (130 for SIGINT, 143 for SIGTERM). Either may be handled
 * first: the kernel may hand two pending signals to two threads of the process.
 */
export function expectSecondSignalQuit(r: CliRun): void {
  const first = /(SIGINT|SIGTERM): finishing the current step, then saving/.exec(r.stderr)?.[1];
  expect(first, r.stderr).toBeDefined();
  const second = first === 'SIGINT' ? 'SIGTERM' : 'SIGINT';
  expect(r.stderr).toContain(`${second} again: quitting without saving`);
  expect(r.code, r.stdout).toBe(second === 'SIGINT' ? 130 : 143);
}

/** Runs the built `vlm-train` to the end. */
export const runVlmTrain = (cwd: string, ...args: string[]): Promise<CliRun> => startVlmTrain(cwd, args).done;

const MODEL = {
  lm: { config: { model_type: 'llama', vocab_size: 272, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 2, tie_word_embeddings: true, initializer_range: 0.05 } },
  vision: { config: { hidden_size: 16, intermediate_size: 32, num_hidden_layers: 2, num_attention_heads: 2, image_size: 8, patch_size: 4 } },
  connector: { type: 'mlp2x_gelu' },
};

/** A stage of the tiny run: `align` (connector, captions) or `instruct` (connector + LM, questions). */
export const alignStage = (steps: number) => ({ name: 'align', template: 'plain', data: { path: 'captions.json', imageRoot: 'images' }, train: { connector: 0.01 }, steps, globalBatchSize: 2 });
export const instructStage = (steps: number, extra: Record<string, unknown> = {}) => ({
  name: 'instruct', template: 'vicuna_v1', data: { path: 'qa.json', imageRoot: 'images' }, train: { connector: 0.01, lm: 0.01 }, steps, globalBatchSize: 3, warmupRatio: 0, ...extra,
});

/** Writes a `vlm-train train` config of the tiny model (YAML) into `dir`; `top` replaces top-level keys (e.g. `tokenizer`). */
export function writeTinyConfig(dir: string, file: string, output: string, stages: unknown[], top: Record<string, unknown> = {}): void {
  writeFileSync(join(dir, file), stringify({ seed: 1, output, model: MODEL, tokenizer: { kind: 'bytes' }, stages, ...top }));
}

const row = (id: string, image: string | undefined, q: string, a: string) => ({ id, ...(image ? { image } : {}), conversations: [{ from: 'human', value: image ? `<image>\n${q}` : q }, { from: 'gpt', value: a }] });

/**
 * A temporary folder with a tiny dataset: `images/red.png`, `images/blue.png` (real PNGs),
 * `captions.json` and `qa.json` (two image questions and one text-only), for the tiny config.
 */
export async function tinyRunFolder(prefix: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, 'images'));
  for (const colour of ['red', 'blue']) {
    const scene = { id: colour, width: 8, height: 8, background: 'white', objects: [{ shape: 'square' as const, colour, box: [0, 0, 8, 8] as [number, number, number, number], boxNormalised: [0, 0, 1, 1] as [number, number, number, number] }] };
    writeFileSync(join(dir, 'images', `${colour}.png`), await renderScenePng(scene));
  }
  writeFileSync(join(dir, 'captions.json'), JSON.stringify(['red', 'blue'].map((c) => row(`cap-${c}`, `${c}.png`, '', `A ${c} square.`))));
  writeFileSync(join(dir, 'qa.json'), JSON.stringify([...['red', 'blue'].map((c) => row(`qa-${c}`, `${c}.png`, 'Colour?', c)), row('text', undefined, 'Shapes?', 'circles')]));
  return dir;
}

export { row as datasetRow };
