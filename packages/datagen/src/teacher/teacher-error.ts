import { VlmError, type ErrorLocation } from '@vlm/core';

/** A teacher call that failed for good (after retries), or was refused before sending (budget, config). */
export class TeacherError extends VlmError {
  /** HTTP status when the API answered with an error. */
  readonly status?: number;
  /** True when every further request would fail the same way (auth, unknown model, wrong URL, unreachable server, budget): the run stops. */
  readonly fatal: boolean;
  constructor(code: string, message: string, options: { status?: number; fatal?: boolean; hint?: string; location?: ErrorLocation; cause?: unknown } = {}) {
    super(code, message, options);
    this.status = options.status;
    this.fatal = options.fatal ?? false;
  }
}
