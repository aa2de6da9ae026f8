import { VlmError } from '@vlm/core';

import { requireTimestamp } from './timestamp';
import { cleanCueText, type Utterance } from './utterance';

/** Parses SubRip (.srt) subtitles into utterances; `file` only labels errors. */
export function parseSrt(text: string, file?: string): Utterance[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const utterances: Utterance[] = [];
  let i = 0;
  while (i < lines.length) {
    while (i < lines.length && (lines[i] ?? '').trim() === '') i++;
    if (i >= lines.length) break;
    // The numeric cue index is optional in practice.
    if (/^\d+$/.test((lines[i] ?? '').trim())) i++;
    const timeLine = lines[i] ?? '';
    const arrow = timeLine.indexOf('-->');
    if (arrow < 0) {
      throw new VlmError('transcript_bad_srt', `expected a "start --> end" line, got "${timeLine.trim()}"`, {
        location: { file, row: i + 1 },
        hint: 'each SRT cue is: index, "00:00:01,000 --> 00:00:02,000", text lines, blank line',
      });
    }
    const start = requireTimestamp(timeLine.slice(0, arrow), file, i + 1);
    const end = requireTimestamp((timeLine.slice(arrow + 3).trim().split(/\s+/)[0] ?? ''), file, i + 1);
    i++;
    const body: string[] = [];
    while (i < lines.length && (lines[i] ?? '').trim() !== '') body.push(lines[i++] ?? '');
    const cue = cleanCueText(body.join(' '));
    if (end < start) {
      throw new VlmError('transcript_bad_srt', `cue ends (${end}s) before it starts (${start}s)`, { location: { file, row: i } });
    }
    if (cue !== '') utterances.push({ start, end, text: cue });
  }
  return utterances;
}
