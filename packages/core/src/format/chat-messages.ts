import { IMAGE_TOKEN } from '../constants';
import { VlmError } from '../errors/vlm-error';
import type { LlavaRecord, LlavaTurn } from '../schema/llava-record';

/** An OpenAI chat message as the Chat Completions API takes it (text and image_url parts). */
export type OpenAIContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } };
export interface OpenAIChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string | OpenAIContentPart[];
}

/** A ShareGPT-style record with `{role, content}` messages (LLaMA-Factory / TRL layout). */
export interface ShareGptRecord {
  id?: string;
  messages: { role: 'system' | 'user' | 'assistant'; content: string }[];
  images?: string[];
}

const ROLE_OF = { human: 'user', gpt: 'assistant', system: 'system' } as const;
const FROM_OF = { user: 'human', assistant: 'gpt', system: 'system' } as const;

function imagesOf(record: Pick<LlavaRecord, 'image'>): string[] {
  return record.image === undefined ? [] : Array.isArray(record.image) ? record.image : [record.image];
}

/**
 * A LLaVA record as OpenAI chat messages: each `<image>` becomes an `image_url` part at its place
 * (`imageUrl` maps the record's path to a URL, default the path itself).
 */
export function toOpenAIMessages(record: Pick<LlavaRecord, 'image' | 'conversations'>, options: { imageUrl?: (path: string) => string } = {}): OpenAIChatMessage[] {
  const images = imagesOf(record);
  let next = 0;
  return record.conversations.map((turn) => {
    const role = ROLE_OF[turn.from];
    if (!turn.value.includes(IMAGE_TOKEN)) return { role, content: turn.value };
    const parts: OpenAIContentPart[] = [];
    turn.value.split(IMAGE_TOKEN).forEach((text, i) => {
      if (i > 0) {
        const path = images[next++];
        if (path === undefined) throw new VlmError('image_count_mismatch', 'More <image> placeholders than images.', { location: { field: 'image' } });
        parts.push({ type: 'image_url', image_url: { url: options.imageUrl ? options.imageUrl(path) : path } });
      }
      const trimmed = text.replace(/^\n+|\n+$/g, '');
      if (trimmed.length > 0) parts.push({ type: 'text', text: trimmed });
    });
    return { role, content: parts };
  });
}

/** OpenAI chat messages as a LLaVA record: image parts become `<image>` lines, their URLs the `image` field. */
export function fromOpenAIMessages(messages: readonly OpenAIChatMessage[], id: string): LlavaRecord {
  const images: string[] = [];
  const conversations: LlavaTurn[] = messages.map((m) => {
    if (typeof m.content === 'string') return { from: FROM_OF[m.role], value: m.content };
    const value = m.content
      .map((part) => {
        if (part.type === 'text') return part.text;
        images.push(part.image_url.url);
        return IMAGE_TOKEN;
      })
      .join('\n');
    return { from: FROM_OF[m.role], value };
  });
  return { id, ...(images.length === 0 ? {} : { image: images.length === 1 ? images[0]! : images }), conversations };
}

/** A LLaVA record as a ShareGPT `{role, content}` record (`<image>` stays in the text). */
export function toShareGpt(record: LlavaRecord): ShareGptRecord {
  const images = imagesOf(record);
  return {
    id: record.id,
    messages: record.conversations.map((t) => ({ role: ROLE_OF[t.from], content: t.value })),
    ...(images.length > 0 ? { images } : {}),
  };
}

/** A ShareGPT `{role, content}` record as a LLaVA record. */
export function fromShareGpt(record: ShareGptRecord, fallbackId = '0'): LlavaRecord {
  const images = record.images ?? [];
  return {
    id: record.id ?? fallbackId,
    ...(images.length === 0 ? {} : { image: images.length === 1 ? images[0]! : images }),
    conversations: record.messages.map((m) => {
      const from = FROM_OF[m.role];
      if (from === undefined) throw new VlmError('unknown_role', `Unknown role ${JSON.stringify(m.role)}.`, { location: { id: record.id, field: 'messages' } });
      return { from, value: m.content };
    }),
  };
}
