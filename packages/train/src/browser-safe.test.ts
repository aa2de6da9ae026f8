import { describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../../../scripts/bundle-for-browser';

// The main entry must bundle for a browser: no node: built-ins, no sharp, no fs, directly or through
// another package's main entry. Node-only code belongs behind `@vlm/train/node`.
describe('browser-safe main entries', () => {
  it.each(['@vlm/train', '@vlm/connectors', '@vlm/core'])('%s bundles for the browser', async (name) => {
    const { errors } = await bundleForBrowser(name, import.meta.dirname);
    expect(errors).toEqual([]);
  });
});
