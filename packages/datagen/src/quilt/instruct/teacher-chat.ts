import { VlmError } from '@vlm/core';

import type { Teacher } from '../../teacher/teacher';
import type { TeacherMessage } from '../../teacher/types';

/** A chat message as the pathology steps send it (text, or text and image parts for vision models). */
export type ChatMessage = TeacherMessage;

/**
 * One teacher call. `task` names the step (e.g. `quilt.conversation`) and `context` carries the
 * structured input, so a rule-based teacher can answer without parsing prompts; model-backed
 * teachers send only `messages` and the sampling settings.
 */
export interface TeacherRequest {
  task: string;
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  context?: Record<string, unknown>;
  /**
   * Whether the answer is usable: undefined when it is, else the reason (the step's own parser). A
   * cached teacher withdraws an unusable answer from its cache, so only accepted answers are served to
   * a rerun and a rerun asks again for the rest. Teachers without a cache may ignore it.
   */
  check?: (text: string) => string | undefined;
}

/** Anything that answers a teacher request with text: the cached teacher engine, or a function. */
export type TeacherChat = (request: TeacherRequest) => Promise<string>;

/**
 * Adapts the teacher engine (`createTeacher`: OpenAI-compatible, cached on disk, retrying) to the
 * pathology steps, so every call is cached and a rerun resumes without paying twice. An answer cut off
 * at max_tokens (`finish_reason: "length"`) is an error named `truncated`, never a record. An answer
 * that fails the request's `check` (a refusal, the wrong format) is withdrawn from the cache
 * (`teacher.reject`) before it is returned, so the step's "retried on the next run" really asks again.
 */
export function engineTeacherChat(teacher: Pick<Teacher, 'complete'> & Partial<Pick<Teacher, 'reject'>>): TeacherChat {
  return async (request) => {
    const response = await teacher.complete(request.messages, {
      temperature: request.temperature ?? 0,
      max_tokens: request.maxTokens ?? 512,
    });
    const unusable = request.check?.(response.content);
    if (unusable !== undefined) await teacher.reject?.(response.key, `${request.task}: ${unusable}`);
    if (response.finishReason === 'length') {
      throw new VlmError('truncated', `${request.task}: the answer was cut off at max_tokens (finish_reason "length") (truncated)`, {
        hint: 'Raise the prompt\'s max_tokens; the cut answer stays in the teacher cache.',
      });
    }
    return response.content;
  };
}
