/**
 * Internal fast path between an engine and `tokenizeConversation` (not part of the public API): the engine
 * appends ids and absolute character offsets straight into reusable typed arrays, so a conversation is
 * encoded without intermediate arrays, substrings of its pieces or per-token objects.
 */
export class TokenSink {
  ids = new Int32Array(4096);
  /** `[start, end)` character offsets of each id, in the text passed to `encodeInto`. */
  offsets = new Int32Array(8192);
  length = 0;

  /** Makes room for `extra` more tokens. */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.ids.length) return;
    const size = Math.max(need, 2 * this.ids.length);
    const ids = new Int32Array(size);
    ids.set(this.ids.subarray(0, this.length));
    const offsets = new Int32Array(2 * size);
    offsets.set(this.offsets.subarray(0, 2 * this.length));
    this.ids = ids;
    this.offsets = offsets;
  }

  /** Appends ids with offsets shifted by `base`. */
  append(ids: Int32Array, offsets: Int32Array, base: number): void {
    this.reserve(ids.length);
    const n = this.length;
    this.ids.set(ids, n);
    for (let k = 0; k < offsets.length; k++) this.offsets[2 * n + k] = offsets[k]! + base;
    this.length = n + ids.length;
  }

  push(id: number, start: number, end: number): void {
    if (this.length === this.ids.length) this.reserve(1);
    const n = this.length++;
    this.ids[n] = id;
    this.offsets[2 * n] = start;
    this.offsets[2 * n + 1] = end;
  }
}

/**
 * Appends the tokens of `text[start, end)` (plain text, no special strings; `prefix` as in `encodeText`)
 * with their offsets in `text`. Returns false, having appended nothing, when it cannot give verified
 * offsets; the caller then aligns tokens itself.
 */
export interface EncodeInto {
  (text: string, start: number, end: number, prefix: boolean, sink: TokenSink): boolean;
  /**
   * True when no token crosses the start of a space-led word (a space after a non-space): then
   * `text[a, c)` gives the tokens of `text[a, b)` followed by those of `text[b, c)` encoded as a
   * continuation (`prefix` false), for any such word start `b`.
   */
  splitsAtSpaceWords?: boolean;
}

/** Symbol under which an engine (and the tokenizer built from it) carries its `EncodeInto`. */
export const ENCODE_INTO: unique symbol = Symbol('vlm.encodeInto');

/** An engine or tokenizer that may carry the fast path. */
export interface MaybeEncodeInto {
  [ENCODE_INTO]?: EncodeInto;
}

// Keyed by the tokenizer object itself: a copy or wrapper of a tokenizer (which may override
// `encodeText`) does not inherit the fast path and goes through the public methods.
const registered = new WeakMap<object, EncodeInto>();

/** Gives `tokenizer` the fast path of the engine it was built from (`createSegmentTokenizer`). */
export function registerEncodeInto(tokenizer: object, engine: object): void {
  const fast = (engine as MaybeEncodeInto)[ENCODE_INTO];
  if (fast) registered.set(tokenizer, fast);
}

/** The fast path of a tokenizer, if its engine has one. */
export function encodeIntoOf(tokenizer: object): EncodeInto | undefined {
  return registered.get(tokenizer);
}
