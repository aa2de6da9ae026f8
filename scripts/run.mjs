#!/usr/bin/env node
// One entry point behind `npm test`, `npm run demo` and `npm run bench`: a fresh clone with only Node.js
// and npm needs nothing else. pnpm is bootstrapped through corepack at the exact version (and hash) that
// package.json pins, dependencies are installed from the lockfile, packages are built, then the task runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const task = process.argv[2];
const extra = process.argv.slice(3);

const env = {
  ...process.env,
  COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
  // The pinned packageManager hash already fixes the exact pnpm tarball; signature keys shipped with
  // older corepack releases are out of date, so key verification is switched off, not hash checking.
  COREPACK_INTEGRITY_KEYS: '0',
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
};
if (process.env.CI) env.NO_COLOR = '1';

function run(cmd, args, options = {}) {
  const shown = [cmd, ...args].join(' ');
  process.stdout.write(`\n> ${shown}\n`);
  const result = spawnSync(cmd, args, { cwd: root, env, stdio: 'inherit', ...options });
  if (result.error) {
    console.error(`Could not start "${shown}": ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) process.exit(result.status ?? 1);
}

// turbo looks pnpm up on PATH, so corepack writes a pnpm shim into a folder of ours that goes first on
// PATH for every child process. Without corepack (some newer Node.js releases), npx runs the same version.
function pnpmCommand() {
  const shimDir = join(root, 'node_modules', '.vlm-bin');
  mkdirSync(shimDir, { recursive: true });
  const enabled = spawnSync('corepack', ['enable', '--install-directory', shimDir, 'pnpm'], { cwd: root, env, encoding: 'utf8' });
  if (!enabled.error && enabled.status === 0) {
    env.PATH = `${shimDir}${delimiter}${env.PATH ?? ''}`;
    return ['pnpm', []];
  }
  return ['npx', ['--yes', 'pnpm@10.34.9']];
}

const [pnpm, pnpmArgs] = pnpmCommand();
const p = (...args) => run(pnpm, [...pnpmArgs, ...args]);

const frozen = existsSync(join(root, 'pnpm-lock.yaml')) ? ['--frozen-lockfile'] : [];

// The native TensorFlow backend (tfjs-node), built from the TensorFlow wheel where its own installer cannot
// download; a second or so when already there. Elsewhere one line says why the toolkit runs on wasm; CI
// needs it (the parity suite runs on it).
const setupNative = () => run('node', ['scripts/setup-native.mjs', ...(process.env.CI ? ['--require'] : [])]);

switch (task) {
  case 'install':
    p('install', ...frozen);
    break;
  case 'test':
    p('install', ...frozen);
    setupNative();
    // build every package, then publint each published one (what `npm publish` would ship must resolve)
    p('exec', 'turbo', 'run', 'build', 'lint', '--output-logs=errors-only');
    p('exec', 'vitest', 'run', ...extra);
    break;
  case 'demo':
    p('install', ...frozen);
    setupNative();
    // all three command lines, so the `npx vlm-train chat ...` the demo suggests (and the other two) work afterwards
    p('exec', 'turbo', 'run', 'build', '--filter=@vlm/trainer-app...', '--filter=@vlm/datagen-app...', '--filter=@vlm/eval-app...', '--output-logs=errors-only');
    run('node', ['apps/trainer/dist/cli.js', 'demo', ...extra]);
    break;
  case 'bench':
    p('install', ...frozen);
    setupNative();
    p('exec', 'turbo', 'run', 'build', '--output-logs=errors-only');
    p('exec', 'turbo', 'run', 'bench', '--concurrency=1', ...(extra.length ? ['--', ...extra] : []));
    break;
  default:
    console.error(`Unknown task "${task ?? ''}". Use one of: install, test, demo, bench.`);
    process.exit(2);
}
