// Picks the backend the way the CLIs do (no force), or as the demo does with `prefer-wasm` (wasm first,
// 2 threads), and prints what it got as one JSON line on stdout. Run in a child process by
// select-backend.test.ts, so that the process's stderr can be checked whole.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../select-backend';

const choice = await selectBackend(process.argv[2] === 'prefer-wasm' ? { prefer: 'wasm', wasmThreads: 2 } : {});
const y = tf.matMul(tf.ones([2, 3]), tf.ones([3, 2])).dataSync();
process.stdout.write(`${JSON.stringify({ kind: choice.kind, backend: tf.getBackend(), skipped: choice.skipped, threads: choice.threads, y: Array.from(y) })}\n`);
