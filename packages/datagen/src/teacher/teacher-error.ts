import { VlmError, type ErrorLocation } from '@vlm/core';

/** A teacher call that failed for good (after retries), or was refused before sending (budget, config). */
export class TeacherError extends VlmError {
  /** HTTP status when the API answered with an error. */
  readonly status?: number;
  constructor(code: string, message: string, options: { status?: number; hint?: string; location?: ErrorLocation; cause?: unknown } = {}) {
    super(code, message, options);
    this.status = options.status;
  }
}
