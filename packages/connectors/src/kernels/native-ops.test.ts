import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadNativeBackend, nativeSuiteName } from '../testing/native-backend';
import { NATIVE_OPS, NATIVE_OPS_VERSION, nativeOpsStatus } from './native-ops';

const native = await loadNativeBackend();
// CI builds the ops with the binding (and the loader requires them there)
const built = nativeOpsStatus()?.loaded === true;

function loadInChild(version: number): { loaded: boolean; reason: string; registered: boolean; kernels: string[]; y: number[] } {
  const run = spawnSync(process.execPath, ['--conditions=@vlm/source', '--import', 'tsx', fileURLToPath(new URL('../backend/__fixtures__/native-ops-version.ts', import.meta.url)), String(version)], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
    encoding: 'utf8',
  });
  expect(run.status, run.stderr.slice(-800)).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').pop() as string);
}

describe.skipIf(!native.ok || !built)(nativeSuiteName("the toolkit's TensorFlow ops library", native), () => {
  it('loads when its interface version is the one this package expects, and a layer norm runs as its op', () => {
    const ok = loadInChild(NATIVE_OPS_VERSION);
    expect(ok).toMatchObject({ loaded: true, registered: true });
    expect(ok.kernels).toContain(NATIVE_OPS.layerNorm);
    ok.y.forEach((v, i) => expect(v).toBeCloseTo([-1.3416, -0.4472, 0.4472, 1.3416][i] as number, 3));
  });

  it('is refused when built from a source of another interface version: the reason names both versions and the fix, and the ops compose TensorFlow\'s', () => {
    const refused = loadInChild(NATIVE_OPS_VERSION + 1);
    expect(refused.loaded).toBe(false);
    expect(refused.reason).toContain(`is version ${NATIVE_OPS_VERSION}, this package needs ${NATIVE_OPS_VERSION + 1}`);
    expect(refused.reason).toContain('node scripts/setup-native.mjs');
    expect(refused.registered).toBe(false);
    expect(refused.kernels).not.toContain(NATIVE_OPS.layerNorm);
    refused.y.forEach((v, i) => expect(v).toBeCloseTo([-1.3416, -0.4472, 0.4472, 1.3416][i] as number, 3));
  });
});
