#!/usr/bin/env node
// Sets up the native TensorFlow backend (@tensorflow/tfjs-node 4.22.0) that `selectBackend()` picks first.
//
// 1. An installed binding that loads (tfjs-node's own install script ran, or this script built it before)
//    is kept as it is; nothing else happens (well under a second).
// 2. Where tfjs-node's own installer can reach its download host, it runs (the normal install).
// 3. Otherwise the binding is built from the TensorFlow wheel that pip serves from the machine's configured
//    index: `pip download --no-deps tensorflow-cpu`; its libtensorflow_cc.so.2, libtensorflow_framework.so.2
//    and headers go into a cache folder, are linked into tfjs-node's deps/, and the binding is compiled with
//    the node-gyp that ships inside npm against the running Node's own headers (nothing else is downloaded).
// 4. Otherwise the toolkit runs on WebAssembly, and this script says why in one line (exit 0; exit 1 with
//    --require, which CI uses).
// With a binding built from the wheel (3.), the toolkit's own fused TensorFlow ops
// (packages/connectors/native/vlm_tf_ops.cc: bias + GELU, LayerNorm / RMSNorm, SwiGLU, AdamW) are compiled against the
// wheel's C++ headers into vlm_tf_ops.node beside it (~10 s; again when the source changes); without
// them @vlm/connectors composes TensorFlow's ops.
// Idempotent; `VLM_TF_BACKEND=wasm|cpu` skips it (the native backend would not be used).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, copyFileSync, lstatSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const require_ = args.includes('--require');
const quiet = args.includes('--quiet');
const TFJS_NODE_VERSION = '4.22.0';
const STAMP = '.vlm-native.json';

if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(
    `Usage: node scripts/setup-native.mjs [--require] [--quiet]\n\n` +
      `Makes @tensorflow/tfjs-node ${TFJS_NODE_VERSION} loadable (the toolkit's native backend): keeps a working install,\n` +
      `else runs its own installer when its download host is reachable, else builds the binding from the\n` +
      `tensorflow-cpu wheel pip provides (python3 -m pip download --no-deps tensorflow-cpu), else leaves wasm.\n` +
      `With a binding built from the wheel, it also compiles the toolkit's fused TensorFlow ops\n` +
      `(packages/connectors/native/vlm_tf_ops.cc) beside it, again whenever that source changes.\n\n` +
      `  --require  exit 1 when the native backend or its fused ops cannot be set up (CI)\n` +
      `  --quiet    print only the outcome line\n\n` +
      `Environment: VLM_NATIVE_CACHE=<dir> where the TensorFlow libraries are kept\n` +
      `(default ~/.cache/vlm-toolkit); PYTHON=<python> the interpreter whose pip is used (default python3);\n` +
      `VLM_TF_BACKEND=wasm|cpu skips the setup.\n`,
  );
  process.exit(0);
}
const unknown = args.filter((a) => !['--require', '--quiet'].includes(a));
if (unknown.length) {
  console.error(`setup-native: unknown option ${unknown[0]} (see --help)`);
  process.exit(2);
}

const say = (line) => process.stdout.write(`[vlm] ${line}\n`);
const step = (line) => {
  if (!quiet) say(line);
};

function fallBack(reason) {
  say(`native backend: not set up (${reason}); the toolkit runs on wasm`);
  process.exit(require_ ? 1 : 0);
}

const forced = process.env.VLM_TF_BACKEND;
if (forced === 'wasm' || forced === 'cpu') {
  step(`native backend: skipped (VLM_TF_BACKEND=${forced})`);
  process.exit(0);
}

// tfjs-node as @vlm/connectors resolves it (its optional peer, installed in the workspace).
function tfjsNodeDir() {
  try {
    const req = createRequire(join(root, 'packages', 'connectors', 'package.json'));
    return dirname(req.resolve('@tensorflow/tfjs-node/package.json'));
  } catch {
    return undefined;
  }
}

const pkgDir = tfjsNodeDir();
if (!pkgDir) fallBack('@tensorflow/tfjs-node is not installed; run `node scripts/run.mjs install` first');
const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
if (version !== TFJS_NODE_VERSION) fallBack(`@tensorflow/tfjs-node ${version} is installed, the toolkit needs ${TFJS_NODE_VERSION}`);

// node-pre-gyp picks the highest N-API version of the package's list that this Node supports.
const napiVersions = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).binary.napi_versions;
const napi = Math.max(...napiVersions.filter((v) => v <= Number(process.versions.napi)));
const modulePath = join(pkgDir, 'lib', `napi-v${napi}`);
const binding = join(modulePath, 'tfjs_binding.node');
const depsLib = join(pkgDir, 'deps', 'lib');

/** Runs `probe` (CommonJS) with node in packages/connectors; undefined when it exits 0, else the reason. */
function probeProblem(probe) {
  const result = spawnSync(process.execPath, ['-e', probe], {
    cwd: join(root, 'packages', 'connectors'),
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
    encoding: 'utf8',
  });
  if (result.status === 0) return undefined;
  const lines = `${result.stderr ?? ''}`.split('\n').map((l) => l.trim());
  return lines.find((l) => /Error|error:/.test(l)) ?? `exit ${result.status}`;
}

/** Loads tfjs-node in a child process and runs one op; returns undefined when it works, else the reason. */
function loadProblem() {
  return probeProblem(
    "const tf = require('@tensorflow/tfjs-node');" +
      "const y = tf.matMul(tf.ones([2, 2]), tf.ones([2, 2])).dataSync();" +
      "if (tf.getBackend() !== 'tensorflow' || y[0] !== 2) throw new Error('wrong result on ' + tf.getBackend());",
  );
}

/** The stamp of a binding this script built for this Node (its TensorFlow libraries still there), if any. */
function ourStamp() {
  try {
    const stamp = JSON.parse(readFileSync(join(modulePath, STAMP), 'utf8'));
    return stamp.node === process.versions.modules && existsSync(stamp.libDir ?? '') ? stamp : undefined;
  } catch {
    return undefined;
  }
}

// The toolkit's fused TensorFlow ops: compiled against the wheel's headers next to the binding.
const OPS_SOURCE = join(root, 'packages', 'connectors', 'native', 'vlm_tf_ops.cc');
const OPS_FILE = join(modulePath, 'vlm_tf_ops.node');
const OPS_STAMP = join(modulePath, '.vlm-tf-ops.json');

function cpuFlags() {
  try {
    const flags = new Set(readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1]?.trim().split(/\s+/) ?? []);
    return flags.has('avx2') && flags.has('fma') ? ['-mavx2', '-mfma'] : flags.has('avx') ? ['-mavx'] : [];
  } catch {
    return [];
  }
}

function opsArgs(libDir) {
  const nodeInclude = join(dirname(process.execPath), '..', 'include', 'node');
  return [
    '-std=c++17', '-shared', '-fPIC', '-O3', '-fno-math-errno', ...cpuFlags(), '-w',
    '-D_GLIBCXX_USE_CXX11_ABI=1', '-DEIGEN_MAX_ALIGN_BYTES=64',
    `-I${join(libDir, 'include')}`, `-I${nodeInclude}`,
    OPS_SOURCE, '-o', `${OPS_FILE}.tmp`,
    `-L${join(libDir, 'lib')}`, '-l:libtensorflow_framework.so.2', '-Wl,-rpath,$ORIGIN/../../deps/lib',
  ];
}

const opsHash = (libDir) => createHash('sha256').update(readFileSync(OPS_SOURCE)).update(JSON.stringify(opsArgs(libDir))).update(process.versions.modules).digest('hex').slice(0, 16);

/** Loads tfjs-node and the ops in a child process and runs one op; undefined when it works, else the reason. */
function opsProblem(file) {
  return probeProblem(
    "const tf = require('@tensorflow/tfjs-node');" +
      `process.dlopen({ exports: {} }, ${JSON.stringify(file)});` +
      "const y = tf.backend().executeSingleOutput('VlmBiasGelu', [], [tf.tensor([[0, 1]]), tf.tensor([0, 0])]).dataSync();" +
      "if (y[0] !== 0 || Math.abs(y[1] - 0.8413447) > 1e-5) throw new Error('VlmBiasGelu gave ' + Array.from(y));",
  );
}

/** Builds vlm_tf_ops.node unless an up-to-date one is there; returns the outcome for the status line. */
function ensureOps(libDir) {
  if (!existsSync(join(libDir, 'include', 'tensorflow', 'core', 'framework', 'op_kernel.h'))) return 'no fused ops (the TensorFlow C++ headers are not there)';
  const hash = opsHash(libDir);
  try {
    if (existsSync(OPS_FILE) && JSON.parse(readFileSync(OPS_STAMP, 'utf8')).hash === hash) return 'fused ops ready';
  } catch {
    // no stamp: build
  }
  rmSync(OPS_FILE, { force: true });
  const started = Date.now();
  const failed = run('g++', opsArgs(libDir), quiet ? {} : { stdio: ['ignore', 'ignore', 'inherit'] });
  if (failed) return `no fused ops (compiling ${OPS_SOURCE} failed: ${failed})`;
  const problem = opsProblem(`${OPS_FILE}.tmp`);
  if (problem) {
    rmSync(`${OPS_FILE}.tmp`, { force: true });
    return `no fused ops (they do not load: ${problem})`;
  }
  renameSync(`${OPS_FILE}.tmp`, OPS_FILE);
  writeFileSync(OPS_STAMP, `${JSON.stringify({ hash, builtAt: new Date().toISOString() })}\n`);
  return `fused ops built in ${((Date.now() - started) / 1000).toFixed(0)} s`;
}

/** With --require (CI) the fused ops are part of the native backend: without them, exit 1. */
function requireOps(ops) {
  if (!require_ || ops.startsWith('fused ops')) return;
  say(`native backend: tfjs-node loads, but ${ops}`);
  process.exit(1);
}

// 1. already there: built by us for this Node (stamp), or a normal install that loads.
if (existsSync(binding)) {
  const stamp = ourStamp();
  if (stamp) {
    const ops = ensureOps(stamp.libDir);
    requireOps(ops);
    step(`native backend: tfjs-node ready (built from the TensorFlow wheel; ${ops})`);
    process.exit(0);
  }
  const problem = loadProblem();
  if (!problem) {
    step('native backend: tfjs-node ready (installed)');
    process.exit(0);
  }
  step(`the installed tfjs-node binding does not load (${problem}); rebuilding it`);
}

function run(cmd, cmdArgs, options = {}) {
  step(`> ${[cmd, ...cmdArgs].join(' ')}`);
  const result = spawnSync(cmd, cmdArgs, { stdio: quiet ? ['ignore', 'ignore', 'pipe'] : 'inherit', encoding: 'utf8', ...options });
  if (result.error) return `${cmd} could not start: ${result.error.message}`;
  if (result.status !== 0) {
    const tail = `${result.stderr ?? ''}`.trim().split('\n').slice(-1)[0];
    return `${cmd} exited with ${result.status}${tail ? `: ${tail}` : ''}`;
  }
  return undefined;
}

// 2. the normal install: tfjs-node's own installer, when the host it downloads from answers.
async function hostReachable() {
  try {
    await fetch('https://storage.googleapis.com/tensorflow/libtensorflow/', { method: 'HEAD', signal: AbortSignal.timeout(4000) });
    return true;
  } catch {
    return false;
  }
}

if (!existsSync(join(depsLib, 'libtensorflow.so.2.9.1')) && (await hostReachable())) {
  const failed = run(process.execPath, ['scripts/install.js'], { cwd: pkgDir });
  if (!failed && existsSync(binding) && !loadProblem()) {
    step('native backend: tfjs-node ready (its own installer)');
    process.exit(0);
  }
  step(`tfjs-node's own installer did not give a working binding (${failed ?? loadProblem()}); building from the TensorFlow wheel`);
  rmSync(join(pkgDir, 'deps'), { recursive: true, force: true });
}

// 3. from the TensorFlow wheel.
if (process.platform !== 'linux' || process.arch !== 'x64') fallBack(`building from the TensorFlow wheel is supported on linux x64, not ${process.platform} ${process.arch}`);

const cacheRoot = process.env.VLM_NATIVE_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'vlm-toolkit');
const LIBS = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'];
const complete = (dir) => existsSync(join(dir, '.complete')) && LIBS.every((l) => existsSync(join(dir, 'lib', l)));

function cachedLibDir() {
  if (!existsSync(cacheRoot)) return undefined;
  const found = readdirSync(cacheRoot)
    .filter((name) => name.startsWith('tensorflow-cpu-') && complete(join(cacheRoot, name)))
    .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  return found.length ? join(cacheRoot, found[0]) : undefined;
}

function extractWheel() {
  const python = process.env.PYTHON || 'python3';
  const check = spawnSync(python, ['-m', 'pip', '--version'], { encoding: 'utf8' });
  if (check.error || check.status !== 0) fallBack(`${python} -m pip is not available to fetch the tensorflow-cpu wheel`);
  mkdirSync(cacheRoot, { recursive: true });
  const download = join(cacheRoot, `.download-${process.pid}`);
  rmSync(download, { recursive: true, force: true });
  const failed = run(python, ['-m', 'pip', 'download', '--no-deps', '--disable-pip-version-check', '--retries', '1', '-d', download, 'tensorflow-cpu']);
  const wheel = existsSync(download) ? readdirSync(download).find((f) => /^tensorflow_cpu-.*\.whl$/.test(f)) : undefined;
  if (failed || !wheel) {
    rmSync(download, { recursive: true, force: true });
    fallBack(`pip could not download tensorflow-cpu (${failed ?? 'no wheel'})`);
  }
  const tfVersion = wheel.split('-')[1];
  const target = join(cacheRoot, `tensorflow-cpu-${tfVersion}`);
  const staging = `${target}.partial-${process.pid}`;
  // Only the two libraries and the headers; the wheel's Python half is not needed.
  const unpack = [
    'import sys, zipfile, os, shutil',
    'wheel, out = sys.argv[1], sys.argv[2]',
    "libs = {'tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'}",
    'with zipfile.ZipFile(wheel) as z:',
    '    for info in z.infolist():',
    "        name = info.filename",
    "        if name in libs: dest = os.path.join(out, 'lib', os.path.basename(name))",
    "        elif name.startswith('tensorflow/include/') and not name.endswith('/'): dest = os.path.join(out, 'include', name[len('tensorflow/include/'):])",
    '        else: continue',
    '        os.makedirs(os.path.dirname(dest), exist_ok=True)',
    "        with z.open(info) as src, open(dest, 'wb') as dst: shutil.copyfileobj(src, dst, 1 << 22)",
    "        if name in libs: os.chmod(dest, 0o755)",
  ].join('\n');
  rmSync(staging, { recursive: true, force: true });
  step(`unpacking ${wheel} (libraries and headers) into ${target}`);
  const unpacked = run(python, ['-c', unpack, join(download, wheel), staging]);
  rmSync(download, { recursive: true, force: true });
  if (unpacked || !LIBS.every((l) => existsSync(join(staging, 'lib', l))) || !existsSync(join(staging, 'include', 'tensorflow', 'c', 'c_api.h'))) {
    rmSync(staging, { recursive: true, force: true });
    fallBack(`the ${wheel} wheel does not hold libtensorflow_cc.so.2, libtensorflow_framework.so.2 and the C headers${unpacked ? ` (${unpacked})` : ''}`);
  }
  writeFileSync(join(staging, '.complete'), `${wheel}\n`);
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  return target;
}

const libDir = cachedLibDir() ?? extractWheel();
step(`TensorFlow libraries: ${libDir}`);

function link(target, path) {
  try {
    lstatSync(path);
    rmSync(path, { recursive: true, force: true });
  } catch {
    // not there
  }
  symlinkSync(target, path);
}

// deps/ as tfjs-node's binding.gyp expects it; the binding's RUNPATH is $ORIGIN/../../deps/lib.
rmSync(join(pkgDir, 'deps'), { recursive: true, force: true });
mkdirSync(depsLib, { recursive: true });
link(join(libDir, 'include'), join(pkgDir, 'deps', 'include'));
for (const lib of LIBS) link(join(libDir, 'lib', lib), join(depsLib, lib));
link('libtensorflow_cc.so.2', join(depsLib, 'libtensorflow.so'));
link('libtensorflow_framework.so.2', join(depsLib, 'libtensorflow_framework.so'));
// tfjs-node's installer skips its download when this file exists (it checks the name only).
writeFileSync(join(depsLib, 'libtensorflow.so.2.9.1'), '');

function nodeGyp() {
  const candidates = [];
  if (process.env.npm_execpath) candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const npmRoot = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' });
  if (npmRoot.status === 0) candidates.push(join(npmRoot.stdout.trim(), 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((c) => existsSync(c));
}

const gyp = nodeGyp();
if (!gyp) fallBack('the node-gyp that ships inside npm was not found');
// The running Node's own headers (a distribution's nodejs package installs them under <prefix>/include/node).
const nodeDir = join(dirname(process.execPath), '..');
if (!existsSync(join(nodeDir, 'include', 'node', 'node_api.h'))) fallBack(`Node's headers are not installed under ${join(nodeDir, 'include', 'node')} (install the nodejs headers/dev package)`);
for (const tool of ['make', 'g++']) {
  const found = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) fallBack(`${tool} is not installed (needed to compile the binding)`);
}

const started = Date.now();
const built = run(
  process.execPath,
  [gyp, 'rebuild', '--loglevel=warn', `--nodedir=${nodeDir}`, `--jobs=max`, '--module_name=tfjs_binding', `--module_path=${modulePath}`, `--napi_build_version=${napi}`],
  { cwd: pkgDir, env: { ...process.env, npm_config_nodedir: nodeDir }, ...(quiet ? {} : { stdio: ['ignore', 'ignore', 'inherit'] }) },
);
if (built) fallBack(`compiling the tfjs-node binding failed: ${built}`);
if (!existsSync(binding)) {
  const out = join(pkgDir, 'build', 'Release', 'tfjs_binding.node');
  if (!existsSync(out)) fallBack('node-gyp finished but produced no tfjs_binding.node');
  mkdirSync(modulePath, { recursive: true });
  copyFileSync(out, binding);
}
rmSync(join(pkgDir, 'build'), { recursive: true, force: true });
const problem = loadProblem();
if (problem) {
  rmSync(binding, { force: true });
  fallBack(`the binding built from ${libDir} does not load: ${problem}`);
}
writeFileSync(join(modulePath, STAMP), `${JSON.stringify({ node: process.versions.modules, libDir, builtAt: new Date().toISOString() })}\n`);
const bindingSeconds = ((Date.now() - started) / 1000).toFixed(0);
const ops = ensureOps(libDir);
requireOps(ops);
say(`native backend: tfjs-node built from the TensorFlow wheel in ${bindingSeconds} s (${libDir}; ${ops})`);
