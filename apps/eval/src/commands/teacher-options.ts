import { dirname, join } from 'node:path';
import { createTeacher } from '@vlm/datagen';
import { openAIChat, teacherChat, type ChatFn } from '@vlm/eval';

/** Flags shared by the commands that call a teacher or judge model. */
export const teacherFlags = {
  model: { type: 'string' },
  'base-url': { type: 'string' },
  'cache-dir': { type: 'string' },
  'no-cache': { type: 'boolean' },
  concurrency: { type: 'string' },
} as const;

/** A chat function for the reference teacher or the judge, with what to print and how to close it. */
export interface CommandChat {
  chat: ChatFn;
  stats(): { cacheHits: number; costUsd: number } | undefined;
  close(): Promise<void>;
}

/**
 * By default the cached @vlm/datagen teacher (cache next to the output file, so a rerun never pays twice
 * for an answer it already received). With --no-cache, direct calls that record the model version the
 * endpoint reports in each response.
 */
export function chatFor(
  values: { model?: string; 'base-url'?: string; 'cache-dir'?: string; 'no-cache'?: boolean },
  outFile: string,
  concurrency: number,
): CommandChat {
  if (values['no-cache']) {
    return { chat: openAIChat({ ...(values['base-url'] ? { baseURL: values['base-url'] } : {}) }), stats: () => undefined, close: async () => {} };
  }
  const teacher = createTeacher({
    ...(values.model ? { model: values.model } : {}),
    ...(values['base-url'] ? { baseURL: values['base-url'] } : {}),
    cacheDir: values['cache-dir'] ?? join(dirname(outFile), '.teacher-cache'),
    concurrency,
  });
  return {
    chat: teacherChat(teacher),
    stats: () => {
      const s = teacher.stats();
      return { cacheHits: s.cacheHits, costUsd: s.costUsd };
    },
    close: () => teacher.close(),
  };
}
