import type OpenAI from 'openai';
import { VlmError } from '@vlm/core';
import { createOpenAIClient, type OpenAIConnection } from '../chat/openai-chat';
import type { AnswerFn } from './answer-fn';
import { imageDataUrl } from './image-data-url';

/** Options of {@link openAIAnswerFn}. */
export interface OpenAIAnswerOptions extends OpenAIConnection {
  model: string;
  /** Greedy by default, as LLaVA's eval scripts. */
  temperature?: number;
  maxTokens?: number;
  /** Optional system message. */
  system?: string;
}

/**
 * An {@link AnswerFn} over an OpenAI-compatible vision chat endpoint (vLLM, SGLang, Ollama, OpenAI): the
 * image is sent inline as a base64 data URL before the question text.
 */
export function openAIAnswerFn(options: OpenAIAnswerOptions): AnswerFn {
  const client = createOpenAIClient(options);
  return async ({ id, question, imagePath }) => {
    const content: OpenAI.Chat.Completions.ChatCompletionContentPart[] = [];
    if (imagePath !== undefined) content.push({ type: 'image_url', image_url: { url: imageDataUrl(imagePath) } });
    content.push({ type: 'text', text: question });
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [];
    if (options.system) messages.push({ role: 'system', content: options.system });
    messages.push({ role: 'user', content });
    const response = await client.chat.completions.create({
      model: options.model,
      messages,
      temperature: options.temperature ?? 0,
      max_tokens: options.maxTokens ?? 512,
    });
    const text = response.choices[0]?.message?.content;
    if (typeof text !== 'string') {
      throw new VlmError('answer_empty_response', `The endpoint returned no answer text.`, {
        location: { id },
        hint: 'Check that the endpoint serves a vision chat model under this name.',
      });
    }
    return text;
  };
}
