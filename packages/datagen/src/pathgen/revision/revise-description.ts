import { pathgenRevisionCorrectPrompt } from '@vlm/prompts';

import type { TeacherChat } from '../../quilt/instruct/teacher-chat';

/** Revise agent: asks the model to correct a possibly erroneous description (optionally with the image). */
export async function reviseDescription(description: string, teacher: TeacherChat, options: { imageUrl?: string } = {}): Promise<string> {
  const request = pathgenRevisionCorrectPrompt.build({ description, imageUrl: options.imageUrl });
  const text = await teacher({ task: 'pathgen.revise', messages: request.messages, temperature: request.temperature, maxTokens: request.maxTokens, context: { description } });
  return text.trim();
}
