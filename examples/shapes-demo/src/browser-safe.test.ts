import { describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../../../scripts/bundle-for-browser';

// The demo's main entry and the scenes it draws must bundle for a browser (the playground runs them in a
// page): no node: built-ins, no sharp. Running the demo on disk is `@vlm/shapes-demo/node`.
describe('browser-safe entries of the shapes demo', () => {
  it.each(['@vlm/shapes-demo', '@vlm/datagen/scenes'])('%s bundles for the browser', async (name) => {
    const { errors } = await bundleForBrowser(name, import.meta.dirname);
    expect(errors).toEqual([]);
  });
});
