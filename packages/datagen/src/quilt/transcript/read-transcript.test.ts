import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { VlmError } from '@vlm/core';
import { describe, expect, it } from 'vitest';

import { parseSrt } from './parse-srt';
import { parseWebVtt } from './parse-webvtt';
import { parseWhisperJson } from './parse-whisper-json';
import { parseTranscript, readTranscript } from './read-transcript';
import { parseTimestamp } from './timestamp';

describe('timestamps', () => {
  it('reads SRT and WebVTT forms', () => {
    expect(parseTimestamp('00:01:02,500')).toBe(62.5);
    expect(parseTimestamp('01:00:00.040')).toBe(3600.04);
    expect(parseTimestamp('02:03.5')).toBe(123.5);
    expect(parseTimestamp('1:75:00')).toBeUndefined();
    expect(parseTimestamp('abc')).toBeUndefined();
  });
});

describe('parseSrt', () => {
  it('parses cues with multi-line text, tags and CRLF', () => {
    const srt = '\uFEFF1\r\n00:00:01,000 --> 00:00:02,500\r\nHere we see\r\n<i>glands</i>\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000 X1:10\r\nand stroma.\r\n';
    expect(parseSrt(srt)).toEqual([
      { start: 1, end: 2.5, text: 'Here we see glands' },
      { start: 3, end: 4, text: 'and stroma.' },
    ]);
  });

  it('names the line of a bad cue', () => {
    try {
      parseSrt('1\n00:00:01,000 -> 00:00:02,000\ntext\n', 'talk.srt');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(VlmError);
      expect((error as VlmError).location).toEqual({ file: 'talk.srt', row: 2 });
    }
  });
});

describe('parseWebVtt', () => {
  it('skips NOTE blocks and reads inline word times', () => {
    const vtt = [
      'WEBVTT',
      'Kind: captions',
      '',
      'NOTE made by hand',
      '',
      'cue-1',
      '00:01.000 --> 00:03.000 align:start',
      'crowded <00:01.500><c>glands</c> <00:02.000><c>here</c>',
      '',
      '00:00:04.000 --> 00:00:05.000',
      'plain cue',
    ].join('\n');
    const cues = parseWebVtt(vtt);
    expect(cues).toHaveLength(2);
    expect(cues[0]).toEqual({
      start: 1,
      end: 3,
      text: 'crowded glands here',
      words: [
        { word: 'crowded', start: 1, end: 1.5 },
        { word: 'glands', start: 1.5, end: 2 },
        { word: 'here', start: 2, end: 3 },
      ],
    });
    expect(cues[1]).toEqual({ start: 4, end: 5, text: 'plain cue' });
  });

  it('requires the header', () => {
    expect(() => parseWebVtt('00:01.000 --> 00:02.000\nx')).toThrow(/WEBVTT/);
  });
});

describe('parseWhisperJson', () => {
  it('reads segments with words and OpenAI top-level words', () => {
    const nested = JSON.stringify({ segments: [{ id: 0, start: 0, end: 2, text: ' Hello there', words: [{ word: ' Hello', start: 0, end: 1 }, { word: ' there', start: 1, end: 2 }] }] });
    expect(parseWhisperJson(nested)[0]).toEqual({ start: 0, end: 2, text: 'Hello there', words: [{ word: 'Hello', start: 0, end: 1 }, { word: 'there', start: 1, end: 2 }] });
    const openai = JSON.stringify({ text: 'a b', segments: [{ start: 0, end: 1, text: 'a' }, { start: 1, end: 2, text: 'b' }], words: [{ word: 'a', start: 0.1, end: 0.9 }, { word: 'b', start: 1.1, end: 1.9 }] });
    expect(parseWhisperJson(openai).map((u) => u.words?.map((w) => w.word))).toEqual([['a'], ['b']]);
  });

  it('locates schema errors', () => {
    expect(() => parseWhisperJson('{"segments":[{"start":0,"end":"x","text":"a"}]}', 'w.json')).toThrow(/Whisper/);
    expect(() => parseWhisperJson('{', 'w.json')).toThrow(/JSON/);
  });
});

describe('readTranscript', () => {
  it('detects the format from the extension or the content', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'quilt-transcript-'));
    await writeFile(join(dir, 'a.vtt'), 'WEBVTT\n\n00:01.000 --> 00:02.000\nhi\n');
    expect(await readTranscript(join(dir, 'a.vtt'))).toEqual([{ start: 1, end: 2, text: 'hi' }]);
    expect(parseTranscript('[{"start":0,"end":1,"text":"x"}]')).toEqual([{ start: 0, end: 1, text: 'x' }]);
    await expect(readTranscript(join(dir, 'missing.srt'))).rejects.toThrow(/cannot read/);
  });
});
