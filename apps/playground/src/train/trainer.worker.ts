/// <reference lib="webworker" />
import { VlmError } from '@vlm/core';
import { selectBrowserBackend } from './browser-backend';
import { openCheckpoint } from './open-checkpoint';
import { DemoSession, PRESETS, askAbout } from './demo-session';
import type { ChatModel } from '@vlm/train';
import type { ErrorInfo, FromWorker, ToWorker } from './protocol';

// Training and chat run here, off the page's thread, so the page stays responsive.
const post = (message: FromWorker) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(message);

let session: DemoSession | undefined;
let chat: ChatModel | undefined;
let pauseFlag: Int32Array | undefined;
let pauseRequested = false;
let running = false;

// The page owns the pause flag: it sets it on Cancel and clears it before Resume. A SharedArrayBuffer flag
// reaches even the synchronous vision pretraining; without cross-origin isolation the message does, between steps.
const shouldPause = () => pauseRequested || (pauseFlag !== undefined && Atomics.load(pauseFlag, 0) === 1);

function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof VlmError) return { code: error.code, message: error.message, hint: error.hint, location: { ...error.location } };
  return { message: error instanceof Error ? error.message : String(error) };
}

async function runSession(): Promise<void> {
  if (!session || running) return;
  running = true;
  try {
    if ((await session.run()) === 'done') {
      chat = session.chat;
      post({ type: 'ready', imageSize: session.preset.imageSize, maxObjects: session.preset.maxObjects });
    }
  } catch (error) {
    post({ type: 'error', error: errorInfo(error) });
  } finally {
    running = false;
  }
}

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const m = event.data;
  try {
    if (m.type === 'start') {
      const backend = await selectBrowserBackend(m.backend === 'auto' ? undefined : m.backend);
      post({ type: 'backend', label: backend.label, skipped: backend.skipped });
      pauseFlag = m.pauseFlag ? new Int32Array(m.pauseFlag) : undefined;
      session = new DemoSession(PRESETS[m.preset], m.seed, post, shouldPause);
      await runSession();
    } else if (m.type === 'pause') {
      pauseRequested = true;
    } else if (m.type === 'resume') {
      // The page clears the shared flag before it sends this.
      pauseRequested = false;
      await runSession();
    } else if (m.type === 'open-checkpoint') {
      const backend = await selectBrowserBackend(m.backend === 'auto' ? undefined : m.backend);
      post({ type: 'backend', label: backend.label, skipped: backend.skipped });
      const opened = await openCheckpoint(m.files);
      chat = opened.chat;
      post({ type: 'ready', imageSize: opened.imageSize, maxObjects: 3, info: opened.info });
    } else if (m.type === 'ask') {
      if (!chat) throw new Error('there is no model yet: train one or open a checkpoint');
      const t0 = performance.now();
      const text = await askAbout(chat, m.scene, m.question);
      post({ type: 'answer', id: m.id, text, seconds: (performance.now() - t0) / 1000 });
    }
  } catch (error) {
    post({ type: 'error', id: m.type === 'ask' ? m.id : undefined, error: errorInfo(error) });
  }
};
