import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

/**
 * The vitest config every package and app uses: tests resolve workspace packages to their sources
 * through the `@vlm/source` export condition, so no build is needed before testing.
 */
export function vlmProject(name: string, overrides: UserWorkspaceConfig['test'] = {}) {
  const conditions = ['@vlm/source', 'node', 'import', 'module', 'default'];
  // Packages without `exports` load from `main`, as Node loads them: tfjs's packages have a `module` (ESM)
  // build beside the `main` (CommonJS) one, and tfjs-node requires the CommonJS tfjs-core; one copy of each
  // keeps every backend's kernels registered once.
  const mainFields = ['main'];
  return defineProject({
    resolve: { conditions, mainFields },
    ssr: { resolve: { conditions, externalConditions: ['@vlm/source'], mainFields } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      environment: 'node',
      testTimeout: 60_000,
      hookTimeout: 60_000,
      ...overrides,
    },
  });
}
