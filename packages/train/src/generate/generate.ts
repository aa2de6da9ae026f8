import { VlmError } from '@vlm/core';
import { type SamplingOptions, sampleToken } from './sample';
import type { DecodeSession } from './session';

/** Options of {@link generate}. */
export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  /** Token ids that end generation (e.g. `</s>`); not part of the output. */
  stopIds?: readonly number[];
  /** Strings that end generation (the template's stop string); the text is cut before them. */
  stopStrings?: readonly string[];
  /** Token ids -> text; required with stopStrings. */
  decode?: (ids: number[]) => string;
}

/** What {@link generate} produced and why it stopped. */
export interface GenerateResult {
  /** Generated ids (without a stop id; up to and including the token that completed a stop string). */
  ids: number[];
  /** Decoded text cut before any stop string (when `decode` was given). */
  text?: string;
  finishReason: 'stop_id' | 'stop_string' | 'max_tokens';
}

/** Runs a decode session: sample, check stop ids and strings, repeat up to maxNewTokens. */
export async function generate(session: DecodeSession, options: GenerateOptions): Promise<GenerateResult> {
  const stopStrings = options.stopStrings ?? [];
  if (stopStrings.length > 0 && !options.decode) {
    throw new VlmError('generate_options', 'stop strings need a decode function', { hint: 'pass decode: (ids) => tokenizer.decode(ids)' });
  }
  const stopIds = new Set(options.stopIds ?? []);
  const ids: number[] = [];
  const finish = (finishReason: GenerateResult['finishReason'], text?: string): GenerateResult => ({
    ids,
    text: text ?? options.decode?.(ids),
    finishReason,
  });
  for (let step = 0; step < options.maxNewTokens; step++) {
    const token = sampleToken(await session.nextLogits(), options);
    if (stopIds.has(token)) return finish('stop_id');
    ids.push(token);
    session.push(token);
    if (stopStrings.length > 0) {
      const text = (options.decode as (ids: number[]) => string)(ids);
      let cut = -1;
      for (const s of stopStrings) {
        const at = text.indexOf(s);
        if (at >= 0 && (cut < 0 || at < cut)) cut = at;
      }
      if (cut >= 0) return finish('stop_string', text.slice(0, cut));
    }
  }
  return finish('max_tokens');
}
