// Peak memory of loading a sharded checkpoint: a generated ~2 GB LLaMA-shaped F32 checkpoint in five
// shards with model.safetensors.index.json, loaded by loadLlama (shards one at a time, tensors read and
// converted one at a time) and, in the same run, by the previous eager path (each shard read whole and
// every tensor of it decoded before assigning). Each load runs in a fresh child process that reports its
// peak RSS (process.resourceUsage().maxRSS); the goal is a peak under 1.3x the model's F32 size.
// Run: pnpm --filter @vlm/train bench:load   (needs ~2.2 GB free disk in the temp dir and ~6 GB RAM)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend, writeSafetensors, type TensorToWrite } from '@vlm/connectors';
import { readSafetensorsFile } from '@vlm/connectors/node';
import { type LlamaConfig, LlamaModel, llamaConfigToHf } from '../src/index';
import { assignParams, loadLlama, resolveWeightFiles } from '../src/node/index';

const config: LlamaConfig = {
  vocabSize: 32000, hiddenSize: 2048, intermediateSize: 5632, numHiddenLayers: 8, numAttentionHeads: 16, numKeyValueHeads: 16,
  maxPositionEmbeddings: 2048, rmsNormEps: 1e-5, ropeTheta: 10000, tieWordEmbeddings: false,
};
const MAX_SHARD_BYTES = 500 * 1024 * 1024;

/** Upstream names and shapes of the config's tensors, in save order. */
function tensorShapes(c: LlamaConfig): [string, number[]][] {
  const D = c.hiddenSize;
  const kv = (c.numKeyValueHeads * D) / c.numAttentionHeads;
  const out: [string, number[]][] = [['model.embed_tokens.weight', [c.vocabSize, D]]];
  for (let l = 0; l < c.numHiddenLayers; l++) {
    const p = `model.layers.${l}`;
    out.push([`${p}.input_layernorm.weight`, [D]], [`${p}.self_attn.q_proj.weight`, [D, D]], [`${p}.self_attn.k_proj.weight`, [kv, D]], [`${p}.self_attn.v_proj.weight`, [kv, D]], [`${p}.self_attn.o_proj.weight`, [D, D]]);
    out.push([`${p}.post_attention_layernorm.weight`, [D]], [`${p}.mlp.gate_proj.weight`, [c.intermediateSize, D]], [`${p}.mlp.up_proj.weight`, [c.intermediateSize, D]], [`${p}.mlp.down_proj.weight`, [D, c.intermediateSize]]);
  }
  out.push(['model.norm.weight', [D]], ['lm_head.weight', [c.vocabSize, D]]);
  return out;
}

function generate(dir: string): number {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(llamaConfigToHf(config)));
  let seed = 12345;
  const shards: [string, number[]][][] = [[]];
  let bytes = 0;
  let total = 0;
  for (const t of tensorShapes(config)) {
    const size = t[1].reduce((a, b) => a * b, 1) * 4;
    if (bytes + size > MAX_SHARD_BYTES && (shards.at(-1) as unknown[]).length > 0) {
      shards.push([]);
      bytes = 0;
    }
    (shards.at(-1) as [string, number[]][]).push(t);
    bytes += size;
    total += size;
  }
  const weightMap: Record<string, string> = {};
  shards.forEach((shard, i) => {
    const file = `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`;
    const tensors = new Map<string, TensorToWrite>();
    for (const [name, shape] of shard) {
      const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
      for (let k = 0; k < data.length; k++) {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        data[k] = (seed / 4294967296 - 0.5) * 0.04;
      }
      tensors.set(name, { shape, data });
      weightMap[name] = file;
    }
    writeFileSync(join(dir, file), writeSafetensors(tensors, { format: 'pt' }));
  });
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }));
  return total;
}

async function child(mode: string, dir: string): Promise<void> {
  const backend = await selectBackend({ log: () => {} });
  const start = performance.now();
  let model: LlamaModel;
  if (process.env.VLM_BENCH_DEBUG) {
    const m = new LlamaModel(config, 'zeros');
    console.error(`after zeros model: rss ${(process.memoryUsage().rss / 1e9).toFixed(2)} GB, peak ${(process.resourceUsage().maxRSS / 1e6).toFixed(2)} GB`);
    m.params.dispose();
  }
  if (mode === 'lazy') model = await loadLlama(dir);
  else {
    // the previous loader: each shard read whole, every tensor of it decoded, then assigned
    model = new LlamaModel(config, 'zeros');
    for (const file of (await resolveWeightFiles(dir)).files) {
      const { tensors } = await readSafetensorsFile(file);
      assignParams(model.params, new Map(tensors), { complete: false });
    }
  }
  const ms = performance.now() - start;
  if (process.env.VLM_BENCH_DEBUG) console.error(`rss now ${(process.memoryUsage().rss / 1e9).toFixed(2)} GB`);
  const check = model.params.get('lm_head.weight').dataSync()[0];
  process.stdout.write(JSON.stringify({ mode, backend: backend.kind, ms, maxRssBytes: process.resourceUsage().maxRSS * 1024, params: model.params.count(), check }));
}

const [, , mode, dirArg] = process.argv;
if (mode === 'lazy' || mode === 'eager') await child(mode, dirArg as string);
else {
  // VLM_BENCH_DIR keeps the generated checkpoint between runs (generated only when missing)
  const keep = process.env.VLM_BENCH_DIR;
  const dir = keep ?? join(tmpdir(), `vlm-load-bench-${process.pid}`);
  try {
    const t0 = performance.now();
    const bytes = keep && existsSync(join(dir, 'model.safetensors.index.json')) ? (JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8')) as { metadata: { total_size: number } }).metadata.total_size : generate(dir);
    const files = (await resolveWeightFiles(dir)).files.length;
    console.log(`generated ${(bytes / 1e9).toFixed(2)} GB F32 in ${files} shards (${((performance.now() - t0) / 1000).toFixed(1)} s); ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    const self = fileURLToPath(import.meta.url);
    const rows = ['lazy', 'eager'].map((m) => JSON.parse(execFileSync(process.execPath, [...process.execArgv, self, m, dir], { encoding: 'utf8', maxBuffer: 1 << 20 })) as { mode: string; backend: string; ms: number; maxRssBytes: number; params: number });
    console.log('| loader | backend | load time | peak RSS | peak RSS / model F32 size |');
    console.log('|---|---|---:|---:|---:|');
    for (const r of rows) console.log(`| ${r.mode === 'lazy' ? 'loadLlama (one shard, one tensor at a time)' : 'previous: whole shard read and decoded'} | ${r.backend} | ${(r.ms / 1000).toFixed(1)} s | ${(r.maxRssBytes / 1e9).toFixed(2)} GB | ${(r.maxRssBytes / bytes).toFixed(2)}x |`);
    const lazy = rows[0] as { maxRssBytes: number };
    console.log(lazy.maxRssBytes < 1.3 * bytes ? 'OK: under 1.3x the model F32 size' : 'OVER the 1.3x goal');
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}
