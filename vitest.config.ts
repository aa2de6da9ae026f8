import { defineConfig } from 'vitest/config';

// One vitest run over every package and app. Each project has its own vitest.config.ts (built from
// vitest.shared.ts), so nothing in this file leaks into a package's own run.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'examples/*'],
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
