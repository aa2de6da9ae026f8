// The demo's LM pretraining on a worker thread (see lm-pretrain-beside.ts): rebuilds the same model from
// the same spec and seed, trains stage 0 into a scratch folder and posts back its result and the LM's weights.
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '@vlm/connectors';
import { buildLlavaModel } from '@vlm/train';
import { createTokenizer, trainStage } from '@vlm/train/node';
import { demoModelSpec } from './demo-model-spec';
import { lmPretrainStage } from './lm-pretrain-stage';
import type { LmPretrainRequest, LmPretrainReply } from './lm-pretrain-beside';
import { pretrainingText } from './records';

const request = workerData as LmPretrainRequest;
const port = parentPort as NonNullable<typeof parentPort>;
const post = (reply: LmPretrainReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);
const controller = new AbortController();
port.on('message', (m) => {
  if (m === 'abort') controller.abort();
});

// (a function, not top-level await: the worker is also built as CommonJS)
async function run(): Promise<void> {
  try {
    await selectBackend({ force: request.backend, wasmThreads: 1, log: () => {} });
    const tokenizer = await createTokenizer(request.tokenizerSpec);
    const spec = demoModelSpec(request.preset, tokenizer);
    const model = buildLlavaModel(spec, request.seed);
    const stage = await trainStage({
      model,
      spec,
      tokenizer,
      tokenizerSpec: request.tokenizerSpec,
      tokenizerFile: request.tokenizerFile,
      seed: request.seed,
      outDir: request.scratchDir,
      stageIndex: 0,
      samples: pretrainingText(request.lines, tokenizer),
      stage: lmPretrainStage(request.preset),
      log: (line) => post({ kind: 'log', line }),
      signal: controller.signal,
    });
    // copies (on wasm a tensor's data lives in the module's memory, which must not be transferred)
    const weights = model.lm.params.entries().map((p) => ({ name: p.name, values: new Float32Array(p.variable.dataSync() as Float32Array) }));
    post({ kind: 'done', stage, weights }, weights.map((w) => w.values.buffer as ArrayBuffer));
  } catch (error) {
    const e = error as { message?: string; code?: string; stack?: string };
    post({ kind: 'failed', message: e?.message ?? String(error), code: e?.code, stack: e?.stack });
  } finally {
    port.close();
  }
}

void run();
