#!/usr/bin/env node
// Checks that the published packages work outside the workspace, as a user meets them:
// 1. packs every published package with `pnpm pack` (which applies publishConfig and turns workspace:*
//    into versions), with pnpm found the way `npm test` finds it (the repository's shim, corepack, npx),
//    so only Node.js and npm need to be on PATH;
// 2. installs all tarballs with npm into a fresh consumer project in a temp folder, extracts every ```ts
//    block of every package README, typechecks them together (strict, skipLibCheck false: the packages'
//    own .d.ts files are checked too) and runs each one with node, each in its own empty folder. A block
//    whose first line is `// needs: <what>` (the user's own checkpoint, dataset or server) is typechecked
//    only, and listed as such;
// 3. runs @vlm/core as ESM and CJS and typechecks .mts/.cts consumers;
// 4. installs only core + connectors + train into another consumer, fails when its node_modules reach
//    150 MB (the packages depend on tfjs-core and the cpu/wasm backends, not the ~260 MB @tensorflow/tfjs
//    umbrella with layers, converter, data and webgl), and trains one gradient step there on each backend.
// Usage: node scripts/check-pack.mjs [--keep] [--only-size]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const keep = process.argv.includes('--keep');
const onlySize = process.argv.includes('--only-size');
const SIZE_LIMIT_MB = 150;
const work = mkdtempSync(join(tmpdir(), 'vlm-check-pack-'));
const env = {
  ...process.env,
  COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
  COREPACK_INTEGRITY_KEYS: '0',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
  npm_config_update_notifier: 'false',
  TURBO_TELEMETRY_DISABLED: '1',
};
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const typesNode = rootManifest.devDependencies['@types/node'];

function run(cmd, args, cwd, options = {}) {
  process.stdout.write(`> ${cmd} ${args.join(' ')}  (in ${cwd})\n`);
  return execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 256 * 1024 * 1024, ...options });
}

// pnpm as `npm test` provides it: the shim scripts/run.mjs writes, else corepack, else npx at the pinned version.
function pnpmCommand() {
  const shim = join(root, 'node_modules', '.vlm-bin', process.platform === 'win32' ? 'pnpm.cmd' : 'pnpm');
  if (existsSync(shim)) {
    env.PATH = `${dirname(shim)}${delimiter}${env.PATH ?? ''}`;
    return [shim, []];
  }
  const viaCorepack = spawnSync('corepack', ['pnpm', '--version'], { cwd: root, env, encoding: 'utf8' });
  if (!viaCorepack.error && viaCorepack.status === 0) return ['corepack', ['pnpm']];
  const version = /^pnpm@([^+]+)/.exec(rootManifest.packageManager ?? '')?.[1] ?? 'latest';
  return ['npx', ['--yes', `pnpm@${version}`]];
}

const checks = [];
function check(name, fn) {
  try {
    const out = fn();
    checks.push({ name, ok: true });
    if (out) process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
  } catch (error) {
    checks.push({ name, ok: false });
    const detail = [error.stdout, error.stderr].filter(Boolean).join('\n').trim();
    console.error(`FAILED ${name}: ${error.message.split('\n')[0]}${detail ? `\n${detail.slice(-4000)}` : ''}`);
  }
}

function sizeOf(path) {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const entry of readdirSync(path)) total += sizeOf(join(path, entry));
  return total;
}

function consumer(name, tarballs, extraDeps = []) {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `check-${name}`, private: true, type: 'module' }, null, 2));
  run('npm', ['install', '--prefer-offline', '--no-package-lock', ...tarballs, ...extraDeps], dir);
  return dir;
}

/** The ```ts blocks of a README, in order. */
function tsBlocks(readme) {
  return [...readme.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]);
}

try {
  const [pnpm, pnpmArgs] = pnpmCommand();
  const published = readdirSync(join(root, 'packages'))
    .map((folder) => ({ folder, dir: join(root, 'packages', folder) }))
    .filter(({ dir }) => existsSync(join(dir, 'package.json')))
    .map((p) => ({ ...p, manifest: JSON.parse(readFileSync(join(p.dir, 'package.json'), 'utf8')) }))
    .filter((p) => !p.manifest.private);
  // turbo skips what is already built
  run(pnpm, [...pnpmArgs, 'exec', 'turbo', 'run', 'build', ...published.map((p) => `--filter=${p.manifest.name}`), '--output-logs=errors-only'], root);
  const packs = join(work, 'packs');
  mkdirSync(packs);
  const tarballOf = new Map();
  for (const p of published) {
    const before = new Set(readdirSync(packs));
    run(pnpm, [...pnpmArgs, 'pack', '--pack-destination', packs], p.dir);
    const tarball = readdirSync(packs).find((f) => !before.has(f) && f.endsWith('.tgz'));
    if (!tarball) throw new Error(`pnpm pack wrote no tarball for ${p.manifest.name}`);
    tarballOf.set(p.manifest.name, join(packs, tarball));
  }

  // 4. What a training consumer installs.
  const trainingPackages = ['@vlm/core', '@vlm/connectors', '@vlm/train'];
  check(`node_modules of a consumer of ${trainingPackages.join(' + ')} stays under ${SIZE_LIMIT_MB} MB and trains on cpu and wasm`, () => {
    const dir = consumer('training', trainingPackages.map((n) => tarballOf.get(n)));
    const mb = sizeOf(join(dir, 'node_modules')) / 1e6;
    const largest = readdirSync(join(dir, 'node_modules'), { withFileTypes: true })
      .flatMap((e) => (e.name.startsWith('@') ? readdirSync(join(dir, 'node_modules', e.name)).map((n) => `${e.name}/${n}`) : [e.name]))
      .filter((n) => !n.startsWith('.'))
      .map((n) => ({ n, mb: sizeOf(join(dir, 'node_modules', n)) / 1e6 }))
      .sort((a, b) => b.mb - a.mb)
      .slice(0, 6);
    const line = `node_modules: ${mb.toFixed(1)} MB (largest: ${largest.map((l) => `${l.n} ${l.mb.toFixed(1)}`).join(', ')})`;
    if (mb >= SIZE_LIMIT_MB) throw new Error(`${line}: over the ${SIZE_LIMIT_MB} MB limit`);
    // Gradients and chained tensor methods come from @vlm/connectors' bundle of tfjs-core's (no umbrella).
    const probe = [
      "import * as tf from '@tensorflow/tfjs-core';",
      "import { selectBackend } from '@vlm/connectors';",
      "const kind = process.argv[2];",
      "await selectBackend({ force: kind, log: () => {} });",
      "const w = tf.variable(tf.tensor2d([[0.5, -1], [2, 0.25]]));",
      "const x = tf.tensor2d([[1, 2], [3, 4]]);",
      "const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.matMul(x, w).reshape([-1]))));",
      "const g = Array.from(Object.values(grads)[0].dataSync()).map((v) => Math.round(v * 100) / 100);",
      "console.log(kind, tf.getBackend(), JSON.stringify(g));",
    ].join('\n');
    writeFileSync(join(dir, 'probe.mjs'), probe);
    const results = ['cpu', 'wasm'].map((kind) => run('node', ['probe.mjs', kind], dir).trim());
    // d/dW sum((xW)^2) = 2 x^T x W with x^T x = [[10, 14], [14, 20]]
    const want = JSON.stringify([2 * (10 * 0.5 + 14 * 2), 2 * (10 * -1 + 14 * 0.25), 2 * (14 * 0.5 + 20 * 2), 2 * (14 * -1 + 20 * 0.25)]);
    for (const r of results) if (!r.endsWith(want)) throw new Error(`gradient probe: got "${r}", want ${want}`);
    return `${line}; one gradient on ${results.map((r) => r.split(' ').slice(0, 2).join('=')).join(', ')} equals the hand-computed ${want}`;
  });
  if (onlySize) throw Object.assign(new Error('--only-size'), { quiet: true });

  // 2. Every README example, verbatim, in a consumer of every published package.
  const all = consumer('all', [...tarballOf.values()], [`@types/node@${typesNode}`]);
  const blocks = published.flatMap((p) => {
    const readme = join(p.dir, 'README.md');
    return existsSync(readme) ? tsBlocks(readFileSync(readme, 'utf8')).map((code, i) => ({ pkg: p.manifest.name, file: `readme-${p.folder}-${i + 1}.mts`, code })) : [];
  });
  for (const b of blocks) writeFileSync(join(all, b.file), b.code);
  // A CommonJS TypeScript consumer of every package: their .d.cts files (and what those import) must
  // typecheck under strict, skipLibCheck false (js-tiktoken's ESM-only types once broke @vlm/datagen's).
  const cjsConsumer = 'every-package.cts';
  writeFileSync(join(all, cjsConsumer), `${published.map((p, i) => `import * as p${i} from '${p.manifest.name}';`).join('\n')}\nexport const loaded = [${published.map((_, i) => `Object.keys(p${i}).length`).join(', ')}];\n`);
  writeFileSync(
    join(all, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, skipLibCheck: false, outDir: 'out', types: ['node'], noEmitOnError: false }, files: [...blocks.map((b) => b.file), cjsConsumer] }, null, 2),
  );
  let diagnostics = '';
  try {
    run('node', [tsc, '-p', 'tsconfig.json'], all);
  } catch (error) {
    diagnostics = `${error.stdout ?? ''}`;
  }
  // Errors in the packages' own declaration files concern every consumer.
  const libErrors = diagnostics.split('\n').filter((l) => /node_modules\/@vlm\/.*error TS/.test(l));
  check('tsc --strict, skipLibCheck false: the packages\' declaration files, from ESM and a CommonJS consumer', () => {
    const own = diagnostics.split('\n').filter((l) => l.startsWith(cjsConsumer));
    if (libErrors.length + own.length > 0) throw new Error([...libErrors, ...own].join('\n'));
  });
  for (const b of blocks) {
    const needs = /^\/\/ needs: (.*)/.exec(b.code)?.[1];
    check(`${b.pkg} README block ${b.file}: typechecks${needs ? ` (not run: needs ${needs})` : ' and runs'}`, () => {
      const own = diagnostics.split('\n').filter((l) => l.startsWith(b.file));
      if (own.length > 0) throw new Error(own.join('\n'));
      if (needs) return '';
      const cwd = join(work, 'run', b.file.replace(/\.mts$/, ''));
      mkdirSync(cwd, { recursive: true });
      return run('node', [join(all, 'out', b.file.replace(/\.mts$/, '.mjs'))], cwd, { stdio: ['ignore', 'pipe', 'pipe'] }).split('\n').slice(-5).join('\n');
    });
  }

  // 3. @vlm/core as ESM and CJS, and typed .mts / .cts consumers.
  const SCRIPT_BODY = `
const record = { id: 'x', image: 'a.jpg', conversations: [{ from: 'human', value: '<image>\\nWhat is this?' }, { from: 'gpt', value: 'A cat.' }] };
const formatted = core.formatConversation(record, { template: 'vicuna_v1' });
const tokenizer = await core.loadLlama2Tokenizer();
const hello = tokenizer.encode('Hello world').join(',');
if (hello !== '1,15043,3186') throw new Error('Hello world gave ' + hello);
const t = core.tokenizeConversation(formatted, tokenizer);
const trained = tokenizer.decode(Array.from(t.labels).filter((x) => x !== core.IGNORE_INDEX), { stripLeadingSpace: false });
if (trained !== ' A cat.</s>') throw new Error('trained text ' + JSON.stringify(trained));
if (typeof node.nodeImageExists !== 'function') throw new Error('@vlm/core/node missing');
console.log(KIND + ': ok, ' + t.inputIds.length + ' ids, trained ' + JSON.stringify(trained));
`;
  const coreTgz = tarballOf.get('@vlm/core');
  for (const kind of ['esm', 'cjs']) {
    const dir = join(work, kind);
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `check-${kind}`, private: true, type: kind === 'esm' ? 'module' : 'commonjs' }, null, 2));
    check(`${kind}: npm install of the @vlm/core tarball`, () => run('npm', ['install', '--prefer-offline', '--no-package-lock', coreTgz], dir));
    if (kind === 'esm') {
      writeFileSync(join(dir, 'main.js'), `import * as core from '@vlm/core';\nimport * as node from '@vlm/core/node';\nconst KIND = 'esm';\n${SCRIPT_BODY}`);
    } else {
      writeFileSync(join(dir, 'main.js'), `const core = require('@vlm/core');\nconst node = require('@vlm/core/node');\nconst KIND = 'cjs';\n(async () => {${SCRIPT_BODY}})().catch((e) => { console.error(e); process.exit(1); });\n`);
    }
    check(`${kind}: ${kind === 'esm' ? 'import' : 'require'} and run`, () => run('node', ['main.js'], dir));
    const ext = kind === 'esm' ? 'mts' : 'cts';
    writeFileSync(
      join(dir, `consumer.${ext}`),
      `import { formatConversation, tokenizeConversation, createByteTokenizer, type FormattedConversation, type TokenizedConversation } from '@vlm/core';
import { loadTokenizerJson } from '@vlm/core/node';
const f: FormattedConversation = formatConversation({ id: 'x', conversations: [{ from: 'human', value: 'Hi' }, { from: 'gpt', value: 'Yo' }] }, { template: 'llava_v0' });
const t: TokenizedConversation = tokenizeConversation(f, createByteTokenizer(), { maxLength: 64 });
const n: number = t.trainedTokens;
// @ts-expect-error templates are strings or specs, not numbers
formatConversation({ conversations: [] }, { template: 42 });
export const out = [n, typeof loadTokenizerJson];
`,
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: [`consumer.${ext}`] }, null, 2),
    );
    check(`${kind}: tsc typecheck of a .${ext} consumer`, () => run('node', [tsc, '-p', 'tsconfig.json'], dir));
  }
} catch (error) {
  if (!error.quiet) {
    checks.push({ name: 'pack', ok: false });
    console.error(`FAILED: ${error.message}`);
  }
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}

const failed = checks.filter((c) => !c.ok);
for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}`);
// Not the test runner's closing-line shape: the vitest line printed before it stays the run's test count.
console.log(`check-pack: ${checks.length - failed.length} of ${checks.length} checks passed${failed.length ? `, ${failed.length} failed` : ''}`);
process.exit(failed.length === 0 ? 0 : 1);
