import * as tf from '@tensorflow/tfjs-core';
import { quietNativeLoad } from '../backend/quiet-native-load';
import { registerNativeKernels } from '../kernels/native-kernels';
import { loadNativeOps, nativeOpsStatus } from '../kernels/native-ops';

/** Whether the native backend (tfjs-node) can run in this process, and if not, why. */
export type NativeStatus = { ok: true } | { ok: false; reason: string };

/** The one command that makes the native suites run instead of being skipped. */
export const nativeEnableCommand = 'node scripts/setup-native.mjs';

let loaded: Promise<NativeStatus> | undefined;

/**
 * Test-only: loads tfjs-node (registering the `tensorflow` backend on the same tfjs-core the packages use)
 * without making it the current backend. In CI (`CI` set) a missing native backend is an error, so the
 * parity suites cannot pass by being skipped there.
 */
export function loadNativeBackend(): Promise<NativeStatus> {
  loaded ??= (async (): Promise<NativeStatus> => {
    const current = tf.getBackend();
    try {
      const specifier = '@tensorflow/tfjs-node';
      await quietNativeLoad(() => import(/* @vite-ignore */ specifier));
      if (!tf.findBackend('tensorflow')) throw new Error('tfjs-node loaded but registered no tensorflow backend on this tfjs-core');
      // as selectBackend sets it up: the toolkit's tfjs-node kernels registered
      registerNativeKernels();
      // and its fused TensorFlow ops, which CI's setup-native builds with the binding
      if (!(await loadNativeOps()) && process.env.CI) throw new Error(`the toolkit's TensorFlow ops did not load: ${nativeOpsStatus()?.reason}`);
      return { ok: true };
    } catch (error) {
      const reason = `tfjs-node does not load here (${(error instanceof Error ? error.message : String(error)).split('\n')[0]}); run \`${nativeEnableCommand}\``;
      if (process.env.CI) throw new Error(`CI needs the native backend: ${reason}`);
      return { ok: false, reason };
    } finally {
      // importing tfjs-node makes it the current backend; leave whatever the test had
      if (current && tf.getBackend() !== current) await tf.setBackend(current);
    }
  })();
  return loaded;
}

/** A describe() title, plus why it is skipped and how to enable it. */
export function nativeSuiteName(title: string, status: NativeStatus): string {
  return status.ok ? title : `${title} (skipped: ${status.reason})`;
}
