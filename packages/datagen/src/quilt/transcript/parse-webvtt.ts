import { VlmError } from '@vlm/core';

import { parseTimestamp, requireTimestamp } from './timestamp';
import { cleanCueText, type TimedWord, type Utterance } from './utterance';

/**
 * Parses WebVTT into utterances. Inline word timestamps (`<00:00:01.500><c>word</c>`, as YouTube
 * auto-captions write them) become word times; NOTE, STYLE and REGION blocks are skipped.
 */
export function parseWebVtt(text: string, file?: string): Utterance[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  if (!/^WEBVTT(?:\s|$)/.test(lines[0] ?? '')) {
    throw new VlmError('transcript_bad_webvtt', 'a WebVTT file must start with "WEBVTT"', {
      location: { file, row: 1 },
      hint: 'is this an SRT file? use the .srt extension',
    });
  }
  const utterances: Utterance[] = [];
  let i = 1;
  // Header lines run until the first blank line.
  while (i < lines.length && (lines[i] ?? '').trim() !== '') i++;
  while (i < lines.length) {
    while (i < lines.length && (lines[i] ?? '').trim() === '') i++;
    if (i >= lines.length) break;
    const first = (lines[i] ?? '').trim();
    if (/^(NOTE|STYLE|REGION)(\s|$)/.test(first)) {
      while (i < lines.length && (lines[i] ?? '').trim() !== '') i++;
      continue;
    }
    if (!first.includes('-->')) i++; // cue identifier
    const timeLine = lines[i] ?? '';
    const arrow = timeLine.indexOf('-->');
    if (arrow < 0) {
      throw new VlmError('transcript_bad_webvtt', `expected a "start --> end" line, got "${timeLine.trim()}"`, {
        location: { file, row: i + 1 },
      });
    }
    const start = requireTimestamp(timeLine.slice(0, arrow), file, i + 1);
    const end = requireTimestamp(timeLine.slice(arrow + 3).trim().split(/\s+/)[0] ?? '', file, i + 1);
    i++;
    const body: string[] = [];
    while (i < lines.length && (lines[i] ?? '').trim() !== '') body.push(lines[i++] ?? '');
    const raw = body.join(' ');
    const cue = cleanCueText(raw);
    if (cue === '') continue;
    const words = inlineWordTimes(raw, start, end);
    utterances.push(words ? { start, end, text: cue, words } : { start, end, text: cue });
  }
  return utterances;
}

function inlineWordTimes(raw: string, start: number, end: number): TimedWord[] | undefined {
  if (!/<\d[\d:.]*>/.test(raw)) return undefined;
  // Split on timestamp tags; text before the first tag starts at the cue start.
  const parts = raw.split(/<(\d[\d:.]*)>/);
  const pieces: { time: number; text: string }[] = [{ time: start, text: parts[0] ?? '' }];
  for (let k = 1; k < parts.length; k += 2) {
    const time = parseTimestamp(parts[k] ?? '');
    pieces.push({ time: time ?? start, text: parts[k + 1] ?? '' });
  }
  const words: TimedWord[] = [];
  for (let k = 0; k < pieces.length; k++) {
    const piece = pieces[k]!;
    const next = pieces[k + 1]?.time ?? end;
    const tokens = cleanCueText(piece.text).split(' ').filter((w) => w !== '');
    tokens.forEach((word, j) => {
      const span = (next - piece.time) / tokens.length;
      words.push({ word, start: piece.time + j * span, end: piece.time + (j + 1) * span });
    });
  }
  return words;
}
