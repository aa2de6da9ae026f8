import { VlmError } from '@vlm/core';

/** The error every source reader throws when the file itself cannot be read (missing, unreadable, I/O). */
export function readFailed(file: string, error: unknown): VlmError {
  return new VlmError('read_failed', `Could not read ${file}: ${(error as Error).message}`, {
    location: { file },
    hint: 'Check the path and that the file is readable.',
    cause: error,
  });
}
