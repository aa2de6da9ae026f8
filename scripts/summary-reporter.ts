import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints, after the whole run, the name of every skipped suite or test (a conditional suite puts its
 * reason and the command that enables it in its name, e.g. "needs Chromium: run `...`"), then the plain
 * closing line `N passed, N failed, N skipped`.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const skipReasons = new Map<string, number>();
    for (const mod of testModules) {
      let failedHere = 0;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failedHere += 1;
        else {
          skipped += 1;
          // The outermost suite's name carries the reason; a bare skipped test is named itself.
          let top: { name: string; type: string; parent?: unknown } = test as never;
          for (let p = test.parent; p.type === 'suite'; p = p.parent) top = p as never;
          const label = `${mod.project.name}: ${top.name}`;
          skipReasons.set(label, (skipReasons.get(label) ?? 0) + 1);
        }
      }
      // A file that failed to load, or whose beforeAll failed (its tests then count as skipped), still failed.
      failed += failedHere;
      if (failedHere === 0 && mod.state() === 'failed') failed += 1;
    }
    failed += unhandledErrors.length;
    if (skipReasons.size > 0) {
      process.stdout.write('\nSkipped:\n');
      for (const [label, n] of skipReasons) process.stdout.write(`  ${n} x ${label}\n`);
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
