import { IGNORE_INDEX, IMAGE_TOKEN, IMAGE_TOKEN_INDEX } from '../constants';
import { VlmError } from '../errors/vlm-error';
import type { FormattedConversation } from '../format/format-conversation';
import type { Tokenizer } from '../tokenizers/tokenizer';
import { alignSegment } from './align-tokens';
import { truncateTokens, type TruncationMode, type TruncationReport } from './truncate';

/** Options of `tokenizeConversation`. */
export interface TokenizeOptions {
  /** Longest sequence kept (after image expansion). */
  maxLength?: number;
  /** How to shorten a sequence over `maxLength` (default `right`). */
  truncation?: TruncationMode;
  /** Expand each image into this many positions instead of one `IMAGE_TOKEN_INDEX` (e.g. 576). */
  imageTokens?: number;
  /** Id written at image positions (default `IMAGE_TOKEN_INDEX`, -200). */
  imageTokenId?: number;
  /**
   * LLaVA's chunk-wise tokenisation (default true): text after an image is encoded as a fresh chunk,
   * so a SentencePiece tokenizer gives it a dummy-prefix space (`-200, 29871, 13` for `<image>\n`),
   * exactly like upstream `tokenizer_image_token`. False encodes it as a continuation (`-200, 13`).
   */
  chunkwise?: boolean;
  /** Train only the last answer (upstream trains every answer; this is the common alternative). */
  lastTurnOnly?: boolean;
  /** Start with BOS (default: the tokenizer's `addBos`). */
  addBos?: boolean;
}

/** Token ids, labels and attention mask of one conversation. */
export interface TokenizedConversation {
  inputIds: Int32Array;
  /** `IGNORE_INDEX` (-100) where not trained, else the input id (the trainer shifts). */
  labels: Int32Array;
  attentionMask: Int32Array;
  /** `[start, end)` character offsets in `text` of each position (image and BOS positions are empty). */
  offsets: Int32Array;
  /** Index of the first position of each image kept, in order. */
  imagePositions: number[];
  /** Image paths kept after truncation. */
  images: string[];
  trainedTokens: number;
  truncation?: TruncationReport;
  text: string;
  recordId?: string;
  row?: number;
}

type Piece = { kind: 'text'; start: number; end: number } | { kind: 'special'; id: number; start: number; end: number } | { kind: 'image'; start: number; end: number };

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const patterns = new WeakMap<Tokenizer, RegExp>();

// `<image>` and every special string of the tokenizer, longest first, compiled once per tokenizer.
function specialPattern(tokenizer: Tokenizer): RegExp {
  let pattern = patterns.get(tokenizer);
  if (!pattern) {
    const specials = [...tokenizer.specialTokens.keys()].filter((s) => s !== IMAGE_TOKEN).sort((a, b) => b.length - a.length);
    pattern = new RegExp([IMAGE_TOKEN, ...specials].map(escapeRegExp).join('|'), 'g');
    patterns.set(tokenizer, pattern);
  }
  return pattern;
}

/**
 * Tokenizes a formatted conversation and derives labels from its spans: a token is trained exactly when
 * all its characters lie in trained spans (answers and stop strings). Template strings that are special
 * tokens become their ids; the same strings inside message text stay text. A token that straddles a
 * trained and an untrained range is an error naming the record, never a silent mask.
 */
export function tokenizeConversation(formatted: FormattedConversation, tokenizer: Tokenizer, options: TokenizeOptions = {}): TokenizedConversation {
  const where = { row: formatted.row, id: formatted.recordId };
  const { text, spans } = formatted;
  for (const s of formatted.template.specialTokens) {
    if (!tokenizer.specialTokens.has(s)) {
      throw new VlmError('special_token_missing', `Template ${formatted.template.name} writes ${JSON.stringify(s)}, which is not a special token of tokenizer ${tokenizer.name}.`, {
        location: where,
        hint: `Use tokenizer.withSpecialTokens([${formatted.template.specialTokens.map((t) => JSON.stringify(t)).join(', ')}]) (and resize the embeddings).`,
      });
    }
  }

  // 1. Cut the text into plain-text pieces and single-id pieces (specials in template text, images).
  const pattern = specialPattern(tokenizer);
  const pieces: Piece[] = [];
  const pushText = (start: number, end: number) => {
    if (end <= start) return;
    const last = pieces[pieces.length - 1];
    if (last && last.kind === 'text' && last.end === start) last.end = end;
    else pieces.push({ kind: 'text', start, end });
  };
  for (const span of spans) {
    if (span.part === 'text') {
      pushText(span.start, span.end);
      continue;
    }
    const slice = text.slice(span.start, span.end);
    let last = 0;
    pattern.lastIndex = 0;
    for (let m = pattern.exec(slice); m !== null; m = pattern.exec(slice)) {
      pushText(span.start + last, span.start + m.index);
      const start = span.start + m.index;
      const end = start + m[0].length;
      if (m[0] === IMAGE_TOKEN && span.part === 'image') pieces.push({ kind: 'image', start, end });
      else if (m[0] === IMAGE_TOKEN && !tokenizer.specialTokens.has(IMAGE_TOKEN)) pushText(start, end);
      else pieces.push({ kind: 'special', id: tokenizer.specialTokens.get(m[0])!, start, end });
      last = m.index + m[0].length;
    }
    pushText(span.start + last, span.end);
  }

  // 2. Encode each text piece and find each token's characters.
  const imageWidth = options.imageTokens ?? 1;
  const imageId = options.imageTokenId ?? IMAGE_TOKEN_INDEX;
  const chunkwise = options.chunkwise ?? true;
  const addBos = (options.addBos ?? tokenizer.addBos) && tokenizer.bosId !== undefined;
  const encoded: number[][] = [];
  const aligned: (Int32Array | undefined)[] = [];
  const segments: string[] = [];
  let total = addBos ? 1 : 0;
  let previous: Piece['kind'] | undefined;
  for (const p of pieces) {
    if (p.kind === 'text') {
      const prefix = previous === undefined || previous === 'special' || (previous === 'image' && chunkwise);
      const segment = text.slice(p.start, p.end);
      const withOffsets = tokenizer.encodeTextAligned(segment, { prefix });
      const ids = withOffsets ? withOffsets.ids : tokenizer.encodeText(segment, { prefix });
      segments.push(segment);
      encoded.push(ids);
      aligned.push(withOffsets?.offsets);
      total += ids.length;
    } else total += p.kind === 'image' ? imageWidth : 1;
    previous = p.kind;
  }
  const inputIds = new Int32Array(total);
  const offsets = new Int32Array(2 * total);
  const imagePositions: number[] = [];
  let n = 0;
  if (addBos) inputIds[n++] = tokenizer.bosId!;
  let e = 0;
  previous = undefined;
  for (const p of pieces) {
    if (p.kind === 'text') {
      const ids = encoded[e]!;
      const prefix = previous === undefined || previous === 'special' || (previous === 'image' && chunkwise);
      const known = aligned[e];
      if (known) for (let k = 0; k < known.length; k++) offsets[2 * n + k] = known[k]! + p.start;
      else alignSegment(segments[e]!, ids, tokenizer, prefix, p.start, offsets, n, where);
      inputIds.set(ids, n);
      n += ids.length;
      e++;
    } else if (p.kind === 'image') {
      imagePositions.push(n);
      for (let k = 0; k < imageWidth; k++) {
        offsets[2 * n] = p.start;
        offsets[2 * n + 1] = p.start; // empty: an image position is never trained
        inputIds[n++] = imageId;
      }
    } else {
      offsets[2 * n] = p.start;
      offsets[2 * n + 1] = p.end;
      inputIds[n++] = p.id;
    }
    previous = p.kind;
  }

  // 3. Labels from spans. Spans are merged into alternating trained/untrained runs; tokens and runs are
  // both in text order, so one walk decides each token: trained when its characters lie in a trained run,
  // an error when they cross a run boundary.
  const lastAnswer = options.lastTurnOnly ? Math.max(-1, ...spans.filter((s) => s.trained).map((s) => s.turn)) : undefined;
  const runEnds: number[] = [];
  const runTrained: boolean[] = [];
  let trainedChars = 0;
  for (const sp of spans) {
    const trained = sp.trained && (lastAnswer === undefined || sp.turn === lastAnswer);
    if (trained) trainedChars += sp.end - sp.start;
    if (runTrained.length > 0 && runTrained[runTrained.length - 1] === trained) runEnds[runEnds.length - 1] = sp.end;
    else {
      runEnds.push(sp.end);
      runTrained.push(trained);
    }
  }
  const labels = new Int32Array(total).fill(IGNORE_INDEX);
  let trainedTokens = 0;
  let run = 0;
  let coveredUpTo = 0;
  let coveredTrained = 0;
  for (let i = addBos ? 1 : 0; i < total; i++) {
    const s = offsets[2 * i]!;
    const end = offsets[2 * i + 1]!;
    if (end === s && inputIds[i] === imageId) continue;
    while (run < runEnds.length - 1 && runEnds[run]! <= s) run++;
    if (end > runEnds[run]!) {
      throw new VlmError('token_span_mismatch', `Token ${JSON.stringify(tokenizer.idToToken(inputIds[i]!))} covers both trained and untrained text: ${JSON.stringify(text.slice(s, end))}.`, {
        location: where,
        hint: `The template ${formatted.template.name} puts an answer boundary inside a token of ${tokenizer.name}; use another template or tokenizer for this record.`,
      });
    }
    if (runTrained[run]) {
      labels[i] = inputIds[i]!;
      trainedTokens++;
      // characters of trained tokens, each counted once (byte-fallback tokens share a character)
      if (end > coveredUpTo) {
        coveredTrained += end - Math.max(s, coveredUpTo);
        coveredUpTo = end;
      }
    }
  }

  // 4. Guarantee: every trained character (each answer and its stop string) lies in a trained token.
  if (coveredTrained !== trainedChars) {
    const stop = spans.find((sp) => sp.part === 'stop' && sp.trained && (lastAnswer === undefined || sp.turn === lastAnswer));
    throw new VlmError('stop_not_trained', `Only ${coveredTrained} of ${trainedChars} trained characters lie in trained tokens${stop ? ` (stop string ${JSON.stringify(text.slice(stop.start, stop.end))})` : ''}.`, {
      location: where,
    });
  }
  const hasAnswer = spans.some((s) => s.trained);
  if (hasAnswer && trainedTokens === 0) {
    throw new VlmError('no_trained_tokens', 'The record has an answer but no trained token.', { location: where });
  }

  const result: TokenizedConversation = {
    inputIds,
    labels,
    attentionMask: new Int32Array(total).fill(1),
    offsets,
    imagePositions,
    images: formatted.images.slice(),
    trainedTokens,
    text,
    recordId: formatted.recordId,
    row: formatted.row,
  };
  if (options.maxLength !== undefined && total > options.maxLength) {
    return truncateTokens(result, { maxLength: options.maxLength, mode: options.truncation ?? 'right', imageWidth, spans, where });
  }
  return result;
}
