import { VlmError } from '@vlm/core';

import type { Utterance } from './utterance';

/** Utterances that fit the video, and those that do not. */
export interface TranscriptCheck {
  kept: Utterance[];
  /** Utterances whose midpoint lies outside [0, duration]: narration of another video, or a wrong offset. */
  skipped: Utterance[];
}

/**
 * Checks a transcript against the video before any frame is decoded: an empty transcript is an error;
 * utterances whose midpoint lies outside [0, duration] are skipped (and returned, so the summary can
 * count them); a transcript with none inside the video is an error.
 */
export function checkTranscript(utterances: readonly Utterance[], options: { duration?: number; file?: string } = {}): TranscriptCheck {
  const location = { file: options.file };
  if (utterances.length === 0) {
    throw new VlmError('transcript_empty', 'the transcript has no utterances: there is nothing to ground', {
      location,
      hint: 'check the file (SRT cues, WebVTT cues or Whisper "segments" with text); an ASR run that heard no speech gives an empty transcript',
    });
  }
  if (options.duration === undefined) return { kept: [...utterances], skipped: [] };
  const duration = options.duration;
  const kept: Utterance[] = [];
  const skipped: Utterance[] = [];
  for (const u of utterances) {
    const middle = (u.start + u.end) / 2;
    (middle >= 0 && middle <= duration ? kept : skipped).push(u);
  }
  if (kept.length === 0) {
    const first = skipped[0]!;
    throw new VlmError('transcript_out_of_range', `all ${skipped.length} utterances lie outside the video (0-${duration.toFixed(2)} s); the first is at ${first.start.toFixed(2)}-${first.end.toFixed(2)} s`, {
      location,
      hint: 'is this the transcript of this video? Timestamps must be seconds from the start of the video',
    });
  }
  return { kept, skipped };
}
