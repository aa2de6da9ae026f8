import type * as tf from '@tensorflow/tfjs-core';
import { type LlavaTurn, type Rng, type Tokenizer, formatConversation, tokenizeConversation } from '@vlm/core';
import type { VisionLanguageModel } from '../compose/vision-language-model';
import { generate } from '../generate/generate';
import { modelSession } from '../generate/model-sessions';
import { withSystemMessage } from '../data/prepare-samples';

/** A model ready to answer: weights, tokenizer and the template (and system message) it was trained with. */
export interface ChatModel {
  /** Any architecture: llava, blip2 or flamingo. */
  model: VisionLanguageModel;
  tokenizer: Tokenizer;
  template: string;
  systemMessage?: string;
}

/** Options of {@link answer}. */
export interface AnswerOptions {
  /** `[images, 3, H, W]` for the `<image>` placeholders of the conversation. */
  pixelValues?: tf.Tensor4D;
  maxNewTokens?: number;
  /** 0 (default) is greedy. */
  temperature?: number;
  topP?: number;
  rng?: Rng;
}

/**
 * Answers the last human turn of a conversation: formats it with the model's own template in
 * generation mode, splices the images, and decodes until the template's stop string or EOS.
 */
export async function answer(chat: ChatModel, turns: readonly LlavaTurn[], options: AnswerOptions = {}): Promise<string> {
  const images = turns.reduce((n, t) => n + (t.value.split('<image>').length - 1), 0);
  const record = withSystemMessage({ conversations: turns, image: images > 0 ? Array.from({ length: images }, (_, i) => `image-${i}`) : undefined }, chat.systemMessage);
  const formatted = formatConversation(record, { template: chat.template, generation: true });
  const ids = Array.from(tokenizeConversation(formatted, chat.tokenizer).inputIds);
  const session = modelSession(chat.model, { inputIds: ids, pixelValues: options.pixelValues });
  try {
    const out = await generate(session, {
      maxNewTokens: options.maxNewTokens ?? 64,
      stopIds: chat.tokenizer.eosId === undefined ? [] : [chat.tokenizer.eosId],
      stopStrings: [formatted.stopString],
      decode: (x) => chat.tokenizer.decode(x),
      temperature: options.temperature,
      topP: options.topP,
      rng: options.rng,
    });
    return (out.text ?? '').trim();
  } finally {
    session.dispose();
  }
}
