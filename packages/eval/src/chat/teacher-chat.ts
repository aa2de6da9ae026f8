import type { Teacher } from '@vlm/datagen';
import { VlmError } from '@vlm/core';
import type { ChatFn } from './chat-fn';

/**
 * A {@link ChatFn} over the @vlm/datagen teacher engine: every call is cached on disk by its content, so
 * a rerun of reference answers or judging pays nothing for what was already answered. The teacher is
 * bound to one model; asking for another is an error rather than a silent substitution.
 */
export function teacherChat(teacher: Teacher): ChatFn {
  return async (messages, options) => {
    if (options.model !== teacher.model) {
      throw new VlmError('chat_model_mismatch', `The teacher serves ${teacher.model}, not ${options.model}.`, {
        hint: 'Create the teacher with the judge/reference model name.',
      });
    }
    const response = await teacher.complete(
      messages.map((m) => ({ role: m.role, content: m.content })),
      {
        ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
        ...(options.maxTokens !== undefined ? { max_tokens: options.maxTokens } : {}),
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
      },
    );
    return { text: response.content, model: response.model };
  };
}
