import type { Scene } from '@vlm/datagen/scenes';
import type { ErrorInfo, FromWorker, ToWorker } from '../train/protocol';

/** The page's side of the training worker: send messages, hear events, ask questions. */
export class WorkerClient {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (r: { text: string; seconds: number }) => void; reject: (e: Error) => void }>();
  private nextId = 0;

  constructor(onEvent: (m: FromWorker) => void) {
    this.worker = new Worker(new URL('../train/trainer.worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const m = event.data;
      if (m.type === 'answer') {
        this.pending.get(m.id)?.resolve({ text: m.text, seconds: m.seconds });
        this.pending.delete(m.id);
        return;
      }
      if (m.type === 'error' && m.id !== undefined) {
        this.pending.get(m.id)?.reject(new Error(m.error.message));
        this.pending.delete(m.id);
        return;
      }
      onEvent(m);
    };
    this.worker.onerror = (event) => onEvent({ type: 'error', error: { message: `the worker failed: ${event.message}` } });
  }

  send(message: ToWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  ask(scene: Scene, question: string): Promise<{ text: string; seconds: number }> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ type: 'ask', id, scene, question });
    });
  }
}

/** An error from the worker, shown like the toolkit's errors. */
export function errorText(e: ErrorInfo): string {
  const where = e.location ? Object.entries(e.location).filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${String(v)}`).join(', ') : '';
  return `${e.code ? `[${e.code}] ` : ''}${e.message}${where ? ` (${where})` : ''}${e.hint ? `\nhint: ${e.hint}` : ''}`;
}
