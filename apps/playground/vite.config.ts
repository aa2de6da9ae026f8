import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';

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
      input: { index: page('index'), masks: page('masks'), validate: page('validate') },
    },
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
