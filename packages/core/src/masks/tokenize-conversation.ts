import { IGNORE_INDEX, IMAGE_TOKEN, IMAGE_TOKEN_INDEX } from '../constants';
import { VlmError, type ErrorLocation } from '../errors/vlm-error';
import type { FormattedConversation } from '../format/format-conversation';
import { encodeIntoOf, TokenSink } from '../tokenizers/token-sink';
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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Special strings found in one piece of template text: start offsets and the strings, in order. */
interface SpecialMatches {
  at: number[];
  strings: string[];
}

interface SpecialScanner {
  pattern: RegExp;
  /** 1 at the UTF-16 code of each special string's first character. */
  firstChars: Uint8Array;
  // Template text (role tags, separators, system messages) repeats across records, so its special
  // strings are found once per distinct string.
  cache: Map<string, SpecialMatches>;
}

const scanners = new WeakMap<Tokenizer, SpecialScanner>();
const SCAN_CACHE_LIMIT = 4096;

// `<image>` and every special string of the tokenizer, longest first, compiled once per tokenizer.
function scannerOf(tokenizer: Tokenizer): SpecialScanner {
  let scanner = scanners.get(tokenizer);
  if (!scanner) {
    const specials = [...tokenizer.specialTokens.keys()].filter((s) => s !== IMAGE_TOKEN).sort((a, b) => b.length - a.length);
    const firstChars = new Uint8Array(65536);
    for (const s of [IMAGE_TOKEN, ...specials]) if (s.length > 0) firstChars[s.charCodeAt(0)] = 1;
    scanner = { pattern: new RegExp([IMAGE_TOKEN, ...specials].map(escapeRegExp).join('|'), 'g'), firstChars, cache: new Map() };
    scanners.set(tokenizer, scanner);
  }
  return scanner;
}

// Whether text[start, end) has a character that starts a special string (else it holds none).
function mayHoldSpecial(scanner: SpecialScanner, text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (scanner.firstChars[text.charCodeAt(i)] === 1) return true;
  return false;
}

function specialMatches(scanner: SpecialScanner, slice: string): SpecialMatches {
  let found = scanner.cache.get(slice);
  if (found === undefined) {
    found = { at: [], strings: [] };
    const pattern = scanner.pattern;
    pattern.lastIndex = 0;
    for (let m = pattern.exec(slice); m !== null; m = pattern.exec(slice)) {
      found.at.push(m.index);
      found.strings.push(m[0]);
    }
    if (scanner.cache.size >= SCAN_CACHE_LIMIT) scanner.cache.clear();
    scanner.cache.set(slice, found);
  }
  return found;
}

// Engines without the fast path: encode the segment through the public methods and align its tokens.
function encodeAligned(text: string, start: number, end: number, prefix: boolean, tokenizer: Tokenizer, where: ErrorLocation): void {
  const segment = text.slice(start, end);
  const withOffsets = tokenizer.encodeTextAligned(segment, { prefix });
  const ids = withOffsets ? withOffsets.ids : tokenizer.encodeText(segment, { prefix });
  sink.reserve(ids.length);
  const n = sink.length;
  if (withOffsets) for (let k = 0; k < 2 * ids.length; k++) sink.offsets[2 * n + k] = withOffsets.offsets[k]! + start;
  else alignSegment(segment, ids, tokenizer, prefix, start, sink.offsets, n, where);
  sink.ids.set(ids, n);
  sink.length = n + ids.length;
}

const TEMPLATE_RUN_MAX = 4096;
// Shorter template heads of a mixed run (a role tag before a question) are cheaper to encode than to look up.
const TEMPLATE_HEAD_MIN = 64;
const TEMPLATE_RUN_LIMIT = 1024;
// How many long template runs are compared in place before the keyed lookup.
const TEMPLATE_RECENT = 4;

/** Tokens of a template text run, offsets relative to the run start. */
interface TemplateRun {
  prefix: boolean;
  text: string;
  ids: Int32Array;
  offsets: Int32Array;
}
const templateRunCaches = new WeakMap<Tokenizer, { runs: Map<string, TemplateRun>; recent: TemplateRun[] }>();

// Tokens of template-only text runs, keyed by prefix flag + text; the long ones used last also in `recent`.
function templateRuns(tokenizer: Tokenizer): { runs: Map<string, TemplateRun>; recent: TemplateRun[] } {
  let cache = templateRunCaches.get(tokenizer);
  if (!cache) templateRunCaches.set(tokenizer, (cache = { runs: new Map(), recent: [] }));
  return cache;
}

function tokenSpanMismatch(formatted: FormattedConversation, tokenizer: Tokenizer, id: number, start: number, end: number, where: ErrorLocation): VlmError {
  return new VlmError('token_span_mismatch', `Token ${JSON.stringify(tokenizer.idToToken(id))} covers both trained and untrained text: ${JSON.stringify(formatted.text.slice(start, end))}.`, {
    location: where,
    hint: `The template ${formatted.template.name} puts an answer boundary inside a token of ${tokenizer.name}; use another template or tokenizer for this record.`,
  });
}

// Reused by every call (the function is synchronous); each result copies the part it filled.
const sink = new TokenSink();


/**
 * Tokenizes a formatted conversation and derives labels from its spans: a token is trained exactly when
 * all its characters lie in trained spans (answers and stop strings). Template strings that are special
 * tokens become their ids; the same strings inside message text or the system message stay text. A token
 * that straddles a trained and an untrained range is an error naming the record, never a silent mask.
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

  // 1-2. Cut the text into plain-text runs and single-id pieces (specials in template text, images) and
  // append the tokens of each, with their character offsets, to the reusable sink.
  const imageWidth = options.imageTokens ?? 1;
  const imageId = options.imageTokenId ?? IMAGE_TOKEN_INDEX;
  const chunkwise = options.chunkwise ?? true;
  const addBos = (options.addBos ?? tokenizer.addBos) && tokenizer.bosId !== undefined;
  const fast = encodeIntoOf(tokenizer);
  const scanner = scannerOf(tokenizer);
  const imagePositions: number[] = [];
  sink.length = 0;
  if (addBos) sink.push(tokenizer.bosId!, 0, 0);
  // A text run is pending until a special or an image (or the end) closes it, so adjacent text spans
  // are encoded as one segment; `previous` is the kind of piece before it.
  let runStart = -1;
  let runEnd = -1;
  let previous: 'text' | 'special' | 'image' | undefined;
  // Whether the pending run holds template text only (system message, role tags, separators): such runs
  // repeat across records and their tokens are kept per tokenizer. `templateEnd` is where the run's
  // leading template text ends.
  let templateOnly = true;
  let templateEnd = -1;
  // Tokens of text[start, end) from the per-tokenizer cache of template text (filled on first use).
  const encodeTemplate = (start: number, end: number, prefix: boolean) => {
    const cache = templateRuns(tokenizer);
    // The latest runs are compared in place first (no key string to build and hash for a system message).
    for (const r of cache.recent) {
      if (r.prefix === prefix && r.text.length === end - start && text.startsWith(r.text, start)) {
        sink.append(r.ids, r.offsets, start);
        return;
      }
    }
    const key = (prefix ? '1' : '0') + text.slice(start, end);
    let run = cache.runs.get(key);
    if (!run) {
      const mark = sink.length;
      if (!fast || !fast(text, start, end, prefix, sink)) encodeAligned(text, start, end, prefix, tokenizer, where);
      if (cache.runs.size >= TEMPLATE_RUN_LIMIT) cache.runs.clear();
      const offsets = sink.offsets.slice(2 * mark, 2 * sink.length);
      for (let k = 0; k < offsets.length; k++) offsets[k] = offsets[k]! - start;
      run = { prefix, text: key.slice(1), ids: sink.ids.slice(mark, sink.length), offsets };
      cache.runs.set(key, run);
      sink.length = mark;
    }
    sink.append(run.ids, run.offsets, start);
    if (end - start >= TEMPLATE_HEAD_MIN) {
      cache.recent.unshift(run);
      if (cache.recent.length > TEMPLATE_RECENT) cache.recent.pop();
    }
  };
  const flush = () => {
    if (runStart < 0) return;
    const prefix = previous === undefined || previous === 'special' || (previous === 'image' && chunkwise);
    if (templateOnly && runEnd - runStart <= TEMPLATE_RUN_MAX) encodeTemplate(runStart, runEnd, prefix);
    else {
      // A long template head (the system message before the first question) is tokenized once per
      // tokenizer when the engine's tokens never cross the start of a space-led word: the head up to
      // such a word start comes from the cache, the rest is encoded as a continuation, same tokens.
      let split = -1;
      if (fast?.splitsAtSpaceWords && templateEnd - runStart >= TEMPLATE_HEAD_MIN && templateEnd - runStart <= TEMPLATE_RUN_MAX) {
        for (let q = templateEnd; q > runStart; q--) {
          if (text.charCodeAt(q) === 32 && text.charCodeAt(q - 1) !== 32) {
            split = q;
            break;
          }
        }
      }
      if (split > runStart) encodeTemplate(runStart, split, prefix);
      const from = split > runStart ? split : runStart;
      const fromPrefix = split > runStart ? false : prefix;
      if (!fast || !fast(text, from, runEnd, fromPrefix, sink)) encodeAligned(text, from, runEnd, fromPrefix, tokenizer, where);
    }
    runStart = -1;
    previous = 'text';
  };
  const pushText = (start: number, end: number, template: boolean) => {
    if (end <= start) return;
    if (runStart >= 0 && runEnd === start) runEnd = end;
    else {
      flush();
      runStart = start;
      runEnd = end;
      templateOnly = true;
      templateEnd = start;
    }
    if (!template) templateOnly = false;
    else if (templateOnly) templateEnd = end;
  };
  for (const span of spans) {
    // Message text and the system message are text: special strings in them are not looked for. The
    // system message repeats across records, so its runs are cached like template text.
    if (span.part === 'text' || span.part === 'system') {
      pushText(span.start, span.end, span.part === 'system');
      continue;
    }
    if (!mayHoldSpecial(scanner, text, span.start, span.end)) {
      pushText(span.start, span.end, true);
      continue;
    }
    const found = specialMatches(scanner, text.slice(span.start, span.end));
    let last = span.start;
    for (let k = 0; k < found.at.length; k++) {
      const match = found.strings[k]!;
      const start = span.start + found.at[k]!;
      const end = start + match.length;
      pushText(last, start, true);
      last = end;
      if (match === IMAGE_TOKEN && span.part === 'image') {
        flush();
        imagePositions.push(sink.length);
        // empty offsets: an image position is never trained
        for (let w = 0; w < imageWidth; w++) sink.push(imageId, start, start);
        previous = 'image';
      } else if (match === IMAGE_TOKEN && !tokenizer.specialTokens.has(IMAGE_TOKEN)) pushText(start, end, true);
      else {
        flush();
        sink.push(tokenizer.specialTokens.get(match)!, start, end);
        previous = 'special';
      }
    }
    pushText(last, span.end, true);
  }
  flush();
  const total = sink.length;

  // 3. Labels from spans. Spans are merged into alternating trained/untrained runs; tokens and runs are
  // both in text order, so one walk decides each token: trained when its characters lie in a trained run,
  // an error when they cross a run boundary.
  const lastAnswer = options.lastTurnOnly ? Math.max(-1, ...spans.filter((s) => s.trained).map((s) => s.turn)) : undefined;
  const runEnds: number[] = [];
  const runTrained: boolean[] = [];
  let trainedChars = 0;
  let hasAnswer = false;
  for (const sp of spans) {
    hasAnswer ||= sp.trained;
    const trained = sp.trained && (lastAnswer === undefined || sp.turn === lastAnswer);
    if (trained) trainedChars += sp.end - sp.start;
    if (runTrained.length > 0 && runTrained[runTrained.length - 1] === trained) runEnds[runEnds.length - 1] = sp.end;
    else {
      runEnds.push(sp.end);
      runTrained.push(trained);
    }
  }
  // One backing store for the four outputs (ids | labels | attention mask | offsets): one allocation per
  // record instead of four, which the garbage collector also tracks once.
  const store = new Int32Array(5 * total);
  const inputIds = store.subarray(0, total);
  const labels = store.subarray(total, 2 * total);
  const attentionMask = store.subarray(2 * total, 3 * total).fill(1);
  const offsets = store.subarray(3 * total, 5 * total);
  inputIds.set(sink.ids.subarray(0, total));
  offsets.set(sink.offsets.subarray(0, 2 * total));
  labels.fill(IGNORE_INDEX);
  let trainedTokens = 0;
  let coveredUpTo = 0;
  let coveredTrained = 0;
  // A token belongs to the first run that ends after its start (the last run takes the rest); image
  // positions (empty offsets, image id) are never trained and never cross a run.
  let i = addBos ? 1 : 0;
  const lastRun = runEnds.length - 1;
  for (let run = 0; run <= lastRun && i < total; run++) {
    const runEnd = runEnds[run]!;
    const limit = run === lastRun ? Infinity : runEnd;
    if (runTrained[run]) {
      for (; i < total; i++) {
        const s = offsets[2 * i]!;
        if (s >= limit) break;
        const end = offsets[2 * i + 1]!;
        if (end === s && inputIds[i] === imageId) continue;
        if (end > runEnd) throw tokenSpanMismatch(formatted, tokenizer, inputIds[i]!, s, end, where);
        labels[i] = inputIds[i]!;
        trainedTokens++;
        // characters of trained tokens, each counted once (byte-fallback tokens share a character)
        if (end > coveredUpTo) {
          coveredTrained += end - (s > coveredUpTo ? s : coveredUpTo);
          coveredUpTo = end;
        }
      }
    } else {
      for (; i < total; i++) {
        const s = offsets[2 * i]!;
        if (s >= limit) break;
        const end = offsets[2 * i + 1]!;
        if (end > runEnd && !(end === s && inputIds[i] === imageId)) throw tokenSpanMismatch(formatted, tokenizer, inputIds[i]!, s, end, where);
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
  if (hasAnswer && trainedTokens === 0) {
    throw new VlmError('no_trained_tokens', 'The record has an answer but no trained token.', { location: where });
  }

  const result: TokenizedConversation = {
    inputIds,
    labels,
    attentionMask,
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
