import { VlmError } from '@vlm/core';

/** Where an interrupted demo stopped: a training phase, the step it finished, and its checkpoint if it keeps one. */
export interface DemoStop {
  /** The phase under way (`stage 2 instruct`, `vision pretraining`, `evaluation`, ...). */
  phase: string;
  step?: number;
  totalSteps?: number;
  /** The checkpoint saved at `step` (phases without checkpoints have none). */
  checkpoint?: string;
}

/**
 * The demo's `signal` was aborted (Ctrl-C): the step under way finished, the stage's checkpoint (if the
 * phase keeps one) was saved, and the demo stopped before its report. `saved` lists what its folder holds.
 */
export class DemoInterruptedError extends VlmError {
  readonly stop: DemoStop;
  readonly saved: string[];

  constructor(stop: DemoStop, saved: string[]) {
    const at = stop.step === undefined ? '' : ` at step ${stop.step}/${stop.totalSteps}`;
    super('demo_interrupted', `The demo was interrupted during ${stop.phase}${at}${stop.checkpoint ? `; checkpoint saved to ${stop.checkpoint}` : ''}.`, {
      hint: 'run the demo again with --force to replace the partial run (it starts from the beginning)',
    });
    this.stop = stop;
    this.saved = saved;
  }
}

/** Gives the event loop one turn (so a signal handler can run) and says whether `signal` was aborted. */
export async function abortedAfterYield(signal: AbortSignal | undefined): Promise<boolean> {
  if (!signal) return false;
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  return signal.aborted;
}
