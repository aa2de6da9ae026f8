import { VlmError } from '@vlm/core';

/**
 * Parses `hh:mm:ss,mmm`, `hh:mm:ss.mmm` or `mm:ss.mmm` (SRT uses a comma, WebVTT a dot) into seconds.
 * Returns undefined when the text is not a timestamp.
 */
export function parseTimestamp(text: string): number | undefined {
  const match = /^(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?$/.exec(text.trim());
  if (!match) return undefined;
  const hours = match[1] === undefined ? 0 : Number(match[1]);
  const minutes = Number(match[2]);
  const seconds = Number(match[3]);
  if (minutes >= 60 || seconds >= 60) return undefined;
  const millis = match[4] === undefined ? 0 : Number(match[4].padEnd(3, '0'));
  return hours * 3600 + minutes * 60 + seconds + millis / 1000;
}

/** Like parseTimestamp but throws a located VlmError. */
export function requireTimestamp(text: string, file: string | undefined, row: number): number {
  const value = parseTimestamp(text);
  if (value === undefined) {
    throw new VlmError('transcript_bad_timestamp', `"${text}" is not a timestamp`, {
      location: { file, row },
      hint: 'use hh:mm:ss,mmm (SRT) or hh:mm:ss.mmm / mm:ss.mmm (WebVTT)',
    });
  }
  return value;
}
