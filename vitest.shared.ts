import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

/**
 * The vitest config every package and app uses: tests resolve workspace packages to their sources
 * through the `@vlm/source` export condition, so no build is needed before testing.
 */
export function vlmProject(name: string, overrides: UserWorkspaceConfig['test'] = {}) {
  const conditions = ['@vlm/source', 'node', 'import', 'module', 'default'];
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@vlm/source'] } },
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
