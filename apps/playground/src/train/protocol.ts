import type { Scene } from '@vlm/datagen/scenes';
import type { BrowserBackendKind } from './browser-backend';
import type { SessionEvent } from './demo-session';

/** Messages from the page to the training worker. */
export type ToWorker =
  | { type: 'start'; preset: 'quick' | 'full' | 'bench'; seed: number; backend: BrowserBackendKind | 'auto'; pauseFlag?: SharedArrayBuffer }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'open-checkpoint'; backend: BrowserBackendKind | 'auto'; files: Record<string, ArrayBuffer> }
  | { type: 'ask'; id: number; scene: Scene; question: string };

/** A typed error as it crosses to the page. */
export interface ErrorInfo {
  code?: string;
  message: string;
  hint?: string;
  location?: Record<string, unknown>;
}

/** Messages from the worker to the page. */
export type FromWorker =
  | SessionEvent
  | { type: 'backend'; label: string; skipped: string[] }
  | { type: 'ready'; imageSize: number; maxObjects: number; info?: string }
  | { type: 'answer'; id: number; text: string; seconds: number }
  | { type: 'error'; id?: number; error: ErrorInfo };
