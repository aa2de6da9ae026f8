#!/usr/bin/env node
// Checks that the published @vlm/core works outside the workspace: packs it with `pnpm pack` (which
// applies publishConfig), installs the tarball with npm into a fresh ESM project and a fresh CJS
// project in a temp folder, runs both, and typechecks a TypeScript consumer (nodenext, ESM and CJS).
// Usage: node scripts/check-pack.mjs [--keep]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const coreDir = join(root, 'packages', 'core');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'vlm-check-pack-'));
const env = { ...process.env, COREPACK_ENABLE_DOWNLOAD_PROMPT: '0', npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };

function run(cmd, args, cwd) {
  process.stdout.write(`> ${cmd} ${args.join(' ')}  (in ${cwd})\n`);
  return execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

const checks = [];
function check(name, fn) {
  try {
    const out = fn();
    checks.push({ name, ok: true });
    if (out) process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
  } catch (error) {
    checks.push({ name, ok: false });
    console.error(`FAILED ${name}: ${error.message}`);
  }
}

try {
  run('pnpm', ['--filter', '@vlm/core', 'build'], root);
  run('pnpm', ['pack', '--pack-destination', work], coreDir);
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('pnpm pack wrote no tarball');
  const tgz = join(work, tarball);

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
  for (const kind of ['esm', 'cjs']) {
    const dir = join(work, kind);
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `check-${kind}`, private: true, type: kind === 'esm' ? 'module' : 'commonjs' }, null, 2));
    check(`${kind}: npm install of the tarball`, () => run('npm', ['install', '--prefer-offline', '--no-package-lock', tgz], dir));
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
    if (kind === 'esm') {
      // The README's first example, compiled with tsc and run: the documented example must work as written.
      const readme = readFileSync(join(coreDir, 'README.md'), 'utf8');
      const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
      check('esm: README example compiles and runs', () => {
        if (!example) throw new Error('no ```ts block in packages/core/README.md');
        writeFileSync(join(dir, 'readme-example.mts'), example);
        writeFileSync(
          join(dir, 'tsconfig.readme.json'),
          JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, outDir: 'out', skipLibCheck: false, types: [] }, files: ['readme-example.mts'] }),
        );
        run('node', [tsc, '-p', 'tsconfig.readme.json'], dir);
        return run('node', ['out/readme-example.mjs'], dir);
      });
    }
  }
} catch (error) {
  checks.push({ name: 'pack', ok: false });
  console.error(`FAILED: ${error.message}`);
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}

const failed = checks.filter((c) => !c.ok);
for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}`);
console.log(`${checks.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length === 0 ? 0 : 1);
