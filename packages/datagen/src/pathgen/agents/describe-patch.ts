import { VlmError } from '@vlm/core';
import { parseDescription, pathgenDescriptionPrompt } from '@vlm/prompts';

import type { TeacherChat } from '../../quilt/instruct/teacher-chat';

/** Encodes image bytes as a data URL for a vision chat message. */
export function imageDataUrl(bytes: Uint8Array, mime = 'image/png'): string {
  return `data:${mime};base64,${Buffer.from(bytes).toString('base64')}`;
}

/**
 * Description agent: one OpenAI-compatible vision chat call (the pathgen/description prompt of
 * @vlm/prompts) with the patch as an image data URL, in the role of PathGen-LLaVA-desp.
 */
export async function describePatch(patch: Uint8Array, teacher: TeacherChat, options: { id?: string; mime?: string; tissue?: string } = {}): Promise<string> {
  const request = pathgenDescriptionPrompt.build({ imageUrl: imageDataUrl(patch, options.mime), tissue: options.tissue });
  const check = (answer: string) => {
    const outcome = parseDescription(answer);
    return outcome.ok ? undefined : outcome.reason;
  };
  const text = await teacher({ task: 'pathgen.describe', messages: request.messages, temperature: request.temperature, maxTokens: request.maxTokens, context: { id: options.id }, check });
  const parsed = parseDescription(text);
  if (!parsed.ok) {
    throw new VlmError('teacher_unparseable', `pathgen.describe: ${parsed.message} (${parsed.reason})`, { location: { id: options.id } });
  }
  return parsed.value;
}
