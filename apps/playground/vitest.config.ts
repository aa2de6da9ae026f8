import { vlmProject } from '../../vitest.shared.ts';

// Page logic is tested in Node beside its code; test/ drives the built site in a real Chromium.
export default vlmProject('playground', { testTimeout: 300_000, hookTimeout: 180_000 });
