import { VlmError } from '@vlm/core';
import { z } from 'zod';

import { cleanCueText, type Utterance } from './utterance';

const wordSchema = z.object({ word: z.string(), start: z.number(), end: z.number() });
const segmentSchema = z.object({
  start: z.number(),
  end: z.number(),
  text: z.string(),
  words: z.array(wordSchema).optional(),
});
const whisperSchema = z.union([
  z.object({ segments: z.array(segmentSchema), words: z.array(wordSchema).optional() }),
  z.array(segmentSchema),
]);

/**
 * Parses Whisper-style JSON: openai-whisper / faster-whisper output or OpenAI `verbose_json`
 * (`{segments: [{start, end, text, words?}]}`), or a bare array of segments. Top-level `words`
 * (OpenAI word timestamps) are attached to the segments they fall in.
 */
export function parseWhisperJson(text: string, file?: string): Utterance[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new VlmError('transcript_bad_json', `not valid JSON: ${(error as Error).message}`, { location: { file }, cause: error });
  }
  const parsed = whisperSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VlmError('transcript_bad_json', `not a Whisper transcript: ${issue?.message ?? 'invalid'}`, {
      location: { file, field: issue?.path.join('.') },
      hint: 'expected {"segments": [{"start": 0.0, "end": 2.5, "text": "...", "words": [...]}]}',
    });
  }
  const segments = Array.isArray(parsed.data) ? parsed.data : parsed.data.segments;
  const looseWords = Array.isArray(parsed.data) ? undefined : parsed.data.words;
  return segments
    .map((segment, row): Utterance => {
      if (segment.end < segment.start) {
        throw new VlmError('transcript_bad_json', 'segment ends before it starts', { location: { file, row, field: 'end' } });
      }
      const words = (segment.words ?? looseWords?.filter((w) => w.start >= segment.start && w.end <= segment.end + 1e-6))
        ?.map((w) => ({ word: w.word.trim(), start: w.start, end: w.end }))
        .filter((w) => w.word !== '');
      const base = { start: segment.start, end: segment.end, text: cleanCueText(segment.text) };
      return words && words.length > 0 ? { ...base, words } : base;
    })
    .filter((u) => u.text !== '');
}
