#!/usr/bin/env node
// Creates the Python environment the interop tests use as their judge (`<repo>/.venv` with torch,
// transformers, peft, safetensors and pillow), so those tests run instead of being skipped.
// pip installs from whatever index the machine configures (on the project's machines: a local,
// offline index). Idempotent: an environment that already imports every package is left alone.
// `VLM_PYTHON=/path/to/python` makes the tests use another interpreter; then this script only checks it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packages = ['torch', 'transformers', 'peft', 'safetensors', 'pillow'];
const probe = 'import torch, transformers, peft, safetensors, PIL; print(transformers.__version__)';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(
    `Usage: node scripts/setup-python.mjs\n\nCreates ${join(root, '.venv')} (python3 -m venv) and pip installs ${packages.join(' ')},\n` +
      'the judge of the Python interop tests. Set VLM_PYTHON to use an existing interpreter instead.\n',
  );
  process.exit(0);
}

function run(cmd, args) {
  process.stdout.write(`> ${[cmd, ...args].join(' ')}\n`);
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (result.error) {
    console.error(`Could not start ${cmd}: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) {
    console.error(`${cmd} ${args.join(' ')} exited with ${result.status}`);
    process.exit(1);
  }
}

function works(python) {
  const result = spawnSync(python, ['-c', probe], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

const python = process.env.VLM_PYTHON || join(root, '.venv', 'bin', 'python');
const ready = existsSync(python) ? works(python) : undefined;
if (ready) {
  process.stdout.write(`Python interop environment ready: ${python} (transformers ${ready})\n`);
  process.exit(0);
}
if (process.env.VLM_PYTHON) {
  console.error(`VLM_PYTHON=${python} cannot import ${packages.join(', ')}; install them there or unset VLM_PYTHON.`);
  process.exit(1);
}
if (!existsSync(python)) run('python3', ['-m', 'venv', join(root, '.venv')]);
// One retry per request: where an index cannot be reached at all (an offline machine with a local index
// beside the default one), pip's default five retries with backoff add minutes and change nothing.
run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--retries', '1', ...packages]);
const version = works(python);
if (!version) {
  console.error(`${python} still cannot import ${packages.join(', ')}.`);
  process.exit(1);
}
process.stdout.write(`Python interop environment ready: ${python} (transformers ${version})\n`);
