import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

import { VlmError } from '@vlm/core';

import { parseSrt } from './parse-srt';
import { parseWebVtt } from './parse-webvtt';
import { parseWhisperJson } from './parse-whisper-json';
import type { Utterance } from './utterance';

/** Transcript formats the Quilt pipeline reads. */
export type TranscriptFormat = 'srt' | 'webvtt' | 'whisper-json';

/** Picks the parser from the content (WEBVTT header, JSON, else SRT) or an explicit format. */
export function parseTranscript(text: string, options: { format?: TranscriptFormat; file?: string } = {}): Utterance[] {
  const format = options.format ?? detectFormat(text);
  if (format === 'webvtt') return parseWebVtt(text, options.file);
  if (format === 'whisper-json') return parseWhisperJson(text, options.file);
  return parseSrt(text, options.file);
}

/** Reads and parses a transcript file; the extension decides the format when it is known. */
export async function readTranscript(path: string): Promise<Utterance[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new VlmError('transcript_unreadable', `cannot read transcript: ${(error as Error).message}`, { location: { file: path }, cause: error });
  }
  const ext = extname(path).toLowerCase();
  const format: TranscriptFormat | undefined = ext === '.srt' ? 'srt' : ext === '.vtt' ? 'webvtt' : ext === '.json' ? 'whisper-json' : undefined;
  return parseTranscript(text, { format, file: path });
}

function detectFormat(text: string): TranscriptFormat {
  const head = text.replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('WEBVTT')) return 'webvtt';
  if (head.startsWith('{') || head.startsWith('[')) return 'whisper-json';
  return 'srt';
}
