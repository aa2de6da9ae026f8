/** Who a character range belongs to. */
export type SpanRole = 'system' | 'user' | 'assistant';
/**
 * What a character range is: the system message's text, a role tag (or the template's frame around the
 * system message), message text, an image placeholder, the stop string after an answer, or a separator
 * that belongs to no answer. Special strings inside `system` and `text` ranges stay text.
 */
export type SpanPart = 'system' | 'tag' | 'text' | 'image' | 'stop' | 'separator';

/** One character range of a formatted prompt. Spans are contiguous and cover the whole text. */
export interface TextSpan {
  start: number;
  end: number;
  role: SpanRole;
  part: SpanPart;
  /** True for the ranges the loss is computed on: each answer and its stop string. */
  trained: boolean;
  /** Index of the source turn in `record.conversations` (-1 for template text outside any turn). */
  turn: number;
}

/**
 * Appends text piece by piece and records a span for each piece. The pieces are joined once at the end:
 * a prompt built by `+=` would be a chain of concatenations that every later character read (the
 * tokenizer scans each character) pays an indirection for; the joined text is one flat string.
 */
export class SpanBuilder {
  readonly spans: TextSpan[] = [];
  private readonly pieces: string[] = [];
  private length = 0;
  private joined: string | undefined;

  push(piece: string, role: SpanRole, part: SpanPart, trained: boolean, turn: number): void {
    if (piece.length === 0) return;
    const start = this.length;
    this.pieces.push(piece);
    this.length += piece.length;
    this.joined = undefined;
    this.spans.push({ start, end: this.length, role, part, trained, turn });
  }

  /** Appends `head + body + tail` as one span without concatenating them first (skipped when empty). */
  pushJoined(head: string, body: string, tail: string, role: SpanRole, part: SpanPart, trained: boolean, turn: number): void {
    const length = head.length + body.length + tail.length;
    if (length === 0) return;
    const start = this.length;
    if (head.length > 0) this.pieces.push(head);
    if (body.length > 0) this.pieces.push(body);
    if (tail.length > 0) this.pieces.push(tail);
    this.length += length;
    this.joined = undefined;
    this.spans.push({ start, end: this.length, role, part, trained, turn });
  }

  /** The text written so far. */
  get text(): string {
    return (this.joined ??= this.pieces.join(''));
  }
}
