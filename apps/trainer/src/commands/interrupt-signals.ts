import type { CommandIo } from './io';

/** What {@link catchInterrupts} gives a long command. */
export interface Interrupts {
  /** Aborted by the first SIGINT / SIGTERM. */
  signal: AbortSignal;
  /** The signal that stopped the run, if one did. */
  readonly stoppedBy: NodeJS.Signals | undefined;
  /** Exit code for the signal that stopped the run: 130 (SIGINT) or 143 (SIGTERM). */
  readonly exitCode: number;
  /** Removes the handlers (call when the work is over). */
  dispose(): void;
}

/**
 * Ctrl-C (SIGINT) or SIGTERM aborts `signal`: the command finishes the step under way, saves and says
 * how to continue. A second signal quits at once without saving (exit 130 / 143).
 */
export function catchInterrupts(io: CommandIo, onFirst?: () => void): Interrupts {
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    onFirst?.();
    if (stoppedBy) {
      io.err(`${signal} again: quitting without saving`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    stoppedBy = signal;
    io.err(`${signal}: finishing the current step, then saving (send it again to quit without saving)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    get stoppedBy() {
      return stoppedBy;
    },
    get exitCode() {
      return stoppedBy === 'SIGTERM' ? 143 : 130;
    },
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
