import { formatError } from '@vlm/core';
import { vi } from 'vitest';

import { commands } from '../commands/index';

/**
 * Runs a vlm-datagen command in-process as the CLI would (tests only): output captured, a thrown error
 * printed with formatError and exit code 1. OPENAI_API_KEY / OPENAI_BASE_URL are unset unless `env` sets them.
 */
export async function runInProcess(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (stdout += `${a.join(' ')}\n`));
  const err = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (stderr += `${a.join(' ')}\n`));
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  const names = ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'VLM_TEACHER_MODEL', 'OPENAI_MODEL'];
  const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
  for (const n of names) delete process.env[n];
  Object.assign(process.env, env);
  try {
    const [name, ...rest] = args;
    return { code: await commands[name!]!(rest), stdout, stderr };
  } catch (error) {
    return { code: 1, stdout, stderr: stderr + formatError(error) };
  } finally {
    log.mockRestore();
    err.mockRestore();
    write.mockRestore();
    for (const n of names) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
  }
}
