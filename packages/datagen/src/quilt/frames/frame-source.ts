import { readRgbFrame, type RgbFrame } from './rgb-frame';

/**
 * Frames the pipeline can read: image files with times (decoded one at a time with sharp), or decoded
 * frames from any (async) iterable, such as a video decode.
 */
export type FrameInput = readonly { file: string; t: number }[] | AsyncIterable<RgbFrame> | Iterable<RgbFrame>;

function isFileList(input: FrameInput): input is readonly { file: string; t: number }[] {
  return Array.isArray(input) && (input.length === 0 || typeof (input[0] as { file?: unknown }).file === 'string');
}

/** Iterates a {@link FrameInput} as decoded frames, keeping one file-backed frame in memory at a time. */
export async function* iterateFrames(input: FrameInput): AsyncGenerator<RgbFrame> {
  if (isFileList(input)) {
    for (const entry of input) yield await readRgbFrame(entry.file, entry.t);
    return;
  }
  yield* input as AsyncIterable<RgbFrame>;
}
