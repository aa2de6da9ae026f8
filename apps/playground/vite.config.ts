import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';

const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

const page = (name: string) => fileURLToPath(new URL(`./${name}.html`, import.meta.url));

// A static multi-page site. Workspace packages resolve to their sources (`@vlm/source`, as the tests
// do) so `pnpm --filter playground dev` needs no build of the libraries first.
export default defineConfig({
  base: './',
  resolve: { conditions: ['@vlm/source', ...defaultClientConditions] },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      // @vlm/datagen's Node-only modules (sharp, ffmpeg, files) are parsed on the way to its browser-safe
      // scene code and then tree-shaken; the end-to-end tests fail on any script error in the pages.
      onwarn(warning, warn) {
        if (warning.message.includes('externalized for browser compatibility')) return;
        warn(warning);
      },
      input: { index: page('index'), masks: page('masks'), validate: page('validate'), train: page('train'), checkpoint: page('checkpoint') },
    },
  },
  // Training runs in a module worker (TF.js and the models load only there).
  worker: { format: 'es' },
  // Cross-origin isolation gives the wasm backend its threads and the Cancel button a shared flag.
  server: { host: '127.0.0.1', headers: ISOLATION },
  preview: { host: '127.0.0.1', headers: ISOLATION },
});
