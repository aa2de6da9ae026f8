import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts', node: 'src/node/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    // resolved at run time through package.json "imports" to the bundle built below
    external: ['#tfjs-extras'],
  },
  {
    // tfjs-core's gradients and chained ops, bundled (see src/backend/tfjs-extras.ts)
    entry: { 'tfjs-extras': 'src/backend/tfjs-extras.ts' },
    format: ['esm', 'cjs'],
    dts: false,
    sourcemap: false,
    clean: false,
    target: 'node20',
    noExternal: [/^@tensorflow\/tfjs-core\/dist\//],
  },
]);
