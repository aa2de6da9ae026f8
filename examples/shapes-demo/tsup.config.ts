import { defineConfig } from 'tsup';

export default defineConfig({
  // the LM pretraining worker is its own file, which the demo starts as a worker thread
  entry: { index: 'src/index.ts', node: 'src/node/index.ts', 'lm-pretrain-worker': 'src/lm-pretrain-worker.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // import.meta.url in the CommonJS build too (the worker's file is found next to the module)
  shims: true,
  target: 'node20',
});
