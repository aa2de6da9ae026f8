// LM pretraining beside the vision tower's contrastive pretraining. The two do not depend on each other,
// and contrastive pretraining leaves a core idle on wasm (its steps are many small ops on one thread), so
// the demo runs stage 0 on a worker thread with its own wasm backend while the main thread trains the
// vision tower. The worker builds the same model from the same spec and seed, so the LM it trains is the
// one the main thread would have trained; its checkpoint is finished here with the main thread's model
// (vision tower trained by then), so `checkpoints/0-lm-pretrain` holds what a run one after the other
// writes. Its metrics join metrics.jsonl and its log lines are printed once the vision tower is done.
import { appendFile, cp, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { writeSafetensorsFile } from '@vlm/connectors/node';
import { CHECKPOINT_FILES, type LlavaModel, type TokenizerSpec, modelStateDict } from '@vlm/train';
import { type StageResult, stageCheckpointDir } from '@vlm/train/node';
import type { DemoPreset } from './demo-preset';

/** What the worker needs: JSON and file paths only (it rebuilds the tokenizer and model). */
export interface LmPretrainRequest {
  backend: 'wasm' | 'cpu';
  preset: DemoPreset;
  seed: number;
  lines: string[];
  tokenizerSpec: TokenizerSpec;
  tokenizerFile?: string;
  scratchDir: string;
}

/** What the worker posts: log lines, then its result and the LM's weights, or why it failed. */
export type LmPretrainReply =
  | { kind: 'log'; line: string }
  | { kind: 'done'; stage: StageResult; weights: { name: string; values: Float32Array }[] }
  | { kind: 'failed'; message: string; code?: string; stack?: string };

/** A stage 0 under way on a worker thread. */
export interface LmPretrainBeside {
  /**
   * Waits for the worker (an abort of `signal` stops its stage at the step under way, with a checkpoint),
   * puts the trained LM into `model`, writes `checkpoints/0-lm-pretrain` and the stage's metrics into
   * `outDir` as a run one stage after the other would, and gives the stage's result and log lines.
   */
  finish(model: LlavaModel, signal?: AbortSignal): Promise<{ stage: StageResult; log: string[] }>;
  /** Stops the worker and drops what it wrote (the demo stopped before stage 0 was needed). */
  cancel(): Promise<void>;
  /** Why the worker failed, as soon as it did (the demo stops then rather than after the vision tower). */
  readonly failure: Error | undefined;
}

/** The worker's module next to this one: the built `.js` (or `.cjs`), or the `.ts` source through tsx. */
function startWorker(request: LmPretrainRequest): Worker {
  const here = import.meta.url;
  const ext = here.endsWith('.ts') ? '.ts' : here.endsWith('.cjs') ? '.cjs' : '.js';
  const file = new URL(`./lm-pretrain-worker${ext}`, here);
  if (ext !== '.ts') return new Worker(fileURLToPath(file), { workerData: request });
  // From source (tests, scripts): a worker thread does not get the main thread's module hooks on Node 20
  // (not even from an inherited `--import tsx`), so it registers tsx itself, then loads the worker with
  // the workspace's source exports.
  const argv = process.execArgv;
  const conditions = argv.includes('--conditions=@vlm/source') ? [] : ['--conditions=@vlm/source'];
  const api = createRequire(here).resolve('tsx/esm/api').replace(/index\.cjs$/, 'index.mjs');
  const code = `import(${JSON.stringify(pathToFileURL(api).href)}).then((m) => { m.register(); return import(${JSON.stringify(file.href)}); });`;
  return new Worker(code, { eval: true, workerData: request, execArgv: [...argv, ...conditions] });
}

/**
 * Starts the demo's LM pretraining (stage 0) on a worker thread, or returns undefined where it runs on
 * the main thread instead: one core (nothing to gain), or a backend other than wasm or cpu (tfjs-node uses
 * every core itself).
 */
export async function startLmPretrainBeside(input: Omit<LmPretrainRequest, 'backend' | 'scratchDir'> & { outDir: string }): Promise<LmPretrainBeside | undefined> {
  const backend = tf.getBackend();
  if ((backend !== 'wasm' && backend !== 'cpu') || availableParallelism() < 2) return undefined;
  const scratchDir = await mkdtemp(join(tmpdir(), 'vlm-demo-lm-'));
  const request: LmPretrainRequest = { backend, preset: input.preset, seed: input.seed, lines: input.lines, tokenizerSpec: input.tokenizerSpec, tokenizerFile: input.tokenizerFile, scratchDir };
  const worker = startWorker(request);
  const log: string[] = [];
  let failure: Error | undefined;
  let cancelled = false;
  const reply = new Promise<Extract<LmPretrainReply, { kind: 'done' }>>((resolve, fail) => {
    let settled = false;
    const reject = (error: Error) => {
      if (cancelled) return;
      failure = error;
      fail(error);
    };
    worker.on('message', (m: LmPretrainReply) => {
      if (m.kind === 'log') log.push(m.line);
      else if (m.kind === 'done') {
        settled = true;
        resolve(m);
      } else {
        settled = true;
        reject(Object.assign(new Error(`LM pretraining on its worker thread failed: ${m.message}`), { code: m.code, workerStack: m.stack }));
      }
    });
    worker.on('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`LM pretraining's worker thread ended (exit code ${code}) before it finished`));
    });
  });
  // until finish() or cancel() asks, an early failure is held, not reported as unhandled
  reply.catch(() => {});
  const dropScratch = () => rm(scratchDir, { recursive: true, force: true });
  return {
    async finish(model, signal) {
      const onAbort = () => worker.postMessage('abort');
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
      try {
        const { stage, weights } = await reply;
        for (const w of weights) {
          const variable = model.lm.params.get(w.name);
          const value = tf.tensor(w.values, variable.shape, 'float32');
          variable.assign(value);
          value.dispose();
        }
        const scratchCheckpoint = stage.checkpoint as string;
        const final = stageCheckpointDir(input.outDir, 0, stage.stage);
        // the worker's checkpoint, with the main thread's weights (its vision tower is the trained one)
        const staging = `${final}.tmp-${process.pid}`;
        await rm(staging, { recursive: true, force: true });
        await cp(scratchCheckpoint, staging, { recursive: true });
        await writeSafetensorsFile(join(staging, CHECKPOINT_FILES.weights), modelStateDict(model), { format: 'pt' });
        await rm(final, { recursive: true, force: true });
        await rename(staging, final);
        const metrics = join(scratchDir, 'metrics.jsonl');
        if (existsSync(metrics)) await appendFile(join(input.outDir, 'metrics.jsonl'), await readFile(metrics));
        return { stage: { ...stage, checkpoint: final }, log };
      } finally {
        signal?.removeEventListener('abort', onAbort);
        await worker.terminate();
        await dropScratch();
      }
    },
    async cancel() {
      cancelled = true;
      await worker.terminate();
      await dropScratch();
    },
    get failure() {
      return failure;
    },
  };
}
