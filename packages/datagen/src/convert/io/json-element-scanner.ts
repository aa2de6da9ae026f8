import { VlmError } from '@vlm/core';

/** One element found inside a target container: an array item or an object member. */
export interface JsonElementEvent {
  /** Which of the requested target paths the element belongs to. */
  target: number;
  /** 0-based position of the element inside its container. */
  index: number;
  /** Member name when the container is an object (GQA, OCR-VQA and ScienceQA key rows by id). */
  key?: string;
  /** 1-based line of the file where the element starts. */
  line: number;
  /** The decoded element, or undefined when `error` says why it could not be decoded. */
  value?: unknown;
  error?: string;
}

interface Frame {
  isObject: boolean;
  /** Targets whose path starts with this frame's path (empty for almost every frame, which keeps it cheap). */
  prefixOf: readonly number[];
  /** Index of the target this frame is, or -1. */
  target: number;
  expectKey: boolean;
  key: string | undefined;
  index: number;
  elemStart: number;
  elemLine: number;
}

const NONE: readonly number[] = [];

/** Number of consecutive backslashes right before `end`, not looking before `from`. */
function backslashesBefore(text: string, end: number, from: number): number {
  let k = end - 1;
  while (k >= from && text.charCodeAt(k) === 92) k--;
  return end - 1 - k;
}

/**
 * Incremental scanner over JSON text that finds the elements of chosen containers (for example the
 * `questions` array of a VQAv2 file, or the members of GQA's top-level object) without building the
 * rest of the document. It tracks only structure; each element's own text is handed to `JSON.parse`,
 * so a malformed element is reported and skipped while its neighbours still decode.
 */
export class JsonElementScanner {
  private readonly targets: readonly (readonly string[])[];
  private readonly file: string;
  private readonly stack: Frame[] = [];
  private carry = '';
  private inString = false;
  private escaped = false;
  private keyStart = -1;
  private line = 1;
  private rootSeen = false;
  private readonly found: boolean[];

  constructor(targets: readonly (readonly string[])[], file = '<input>') {
    this.targets = targets;
    this.file = file;
    this.found = targets.map(() => false);
  }

  /** Which targets were met so far. */
  get targetsFound(): readonly boolean[] {
    return this.found;
  }

  /** Scans one chunk of text and returns the elements completed inside it. */
  write(chunk: string): JsonElementEvent[] {
    const events: JsonElementEvent[] = [];
    const text = this.carry + chunk;
    const n = text.length;
    const stack = this.stack;
    let i = this.carry.length;
    for (; i < n; i++) {
      if (this.inString) {
        // Most of the text is inside strings: jump to the next unescaped quote instead of walking it.
        if (this.escaped) {
          this.escaped = false;
          continue;
        }
        let q = text.indexOf('"', i);
        while (q !== -1 && (backslashesBefore(text, q, i) & 1) === 1) q = text.indexOf('"', q + 1);
        if (q === -1) {
          this.escaped = (backslashesBefore(text, n, i) & 1) === 1;
          i = n;
          continue;
        }
        i = q;
        this.inString = false;
        if (this.keyStart >= 0) {
          const top = stack[stack.length - 1]!;
          top.key = JSON.parse(text.slice(this.keyStart, i + 1)) as string;
          this.keyStart = -1;
        }
        continue;
      }
      const c = text.charCodeAt(i);
      switch (c) {
        case 10:
          this.line++;
          break;
        case 32:
        case 9:
        case 13:
          break;
        case 34: {
          const top = stack[stack.length - 1];
          if (top && top.isObject && top.expectKey) {
            if (top.prefixOf.length > 0 || top.target >= 0) this.keyStart = i;
          } else this.valueStart(i);
          this.inString = true;
          break;
        }
        case 123: // {
        case 91: {
          // [
          this.valueStart(i);
          this.push(c === 123);
          break;
        }
        case 125: // }
        case 93: {
          // ]
          const top = stack.pop();
          if (!top || top.isObject !== (c === 125)) this.syntax(`unexpected "${String.fromCharCode(c)}"`);
          if (top!.target >= 0 && top!.elemStart >= 0) this.emit(events, top!, text, i);
          break;
        }
        case 44: {
          // ,
          const top = stack[stack.length - 1];
          if (!top) this.syntax('unexpected ","');
          if (top!.target >= 0 && top!.elemStart >= 0) this.emit(events, top!, text, i);
          if (top!.isObject) top!.expectKey = true;
          break;
        }
        case 58: {
          // :
          const top = stack[stack.length - 1];
          if (!top || !top.isObject) this.syntax('unexpected ":"');
          top!.expectKey = false;
          break;
        }
        default:
          this.valueStart(i);
      }
    }
    // Keep only the text a later chunk still needs: the open element (or the open key string).
    let keep = n;
    for (const frame of stack) {
      if (frame.target >= 0 && frame.elemStart >= 0) keep = Math.min(keep, frame.elemStart);
    }
    if (this.keyStart >= 0) keep = Math.min(keep, this.keyStart);
    this.carry = text.slice(keep);
    if (keep > 0) {
      for (const frame of stack) if (frame.elemStart >= 0) frame.elemStart -= keep;
      if (this.keyStart >= 0) this.keyStart -= keep;
    }
    return events;
  }

  /** Checks that the document ended cleanly. */
  end(): void {
    if (this.inString || this.stack.length > 0) this.syntax('the file ends inside an unfinished value (truncated download?)');
  }

  private push(isObject: boolean): void {
    const stack = this.stack;
    const depth = stack.length;
    let prefixOf: readonly number[] = NONE;
    if (depth === 0) {
      if (this.rootSeen) this.syntax('more than one top-level value');
      this.rootSeen = true;
      prefixOf = this.targets.map((_, t) => t);
    } else {
      const parent = stack[depth - 1]!;
      if (parent.prefixOf.length > 0 && parent.isObject && parent.key !== undefined) {
        const key = parent.key;
        const next: number[] = [];
        for (const t of parent.prefixOf) {
          const path = this.targets[t]!;
          if (path.length > depth - 1 && path[depth - 1] === key) next.push(t);
        }
        if (next.length > 0) prefixOf = next;
      }
    }
    let target = -1;
    for (const t of prefixOf) {
      if (this.targets[t]!.length === depth) {
        target = t;
        this.found[t] = true;
      }
    }
    stack.push({ isObject, prefixOf, target, expectKey: isObject, key: undefined, index: 0, elemStart: -1, elemLine: 0 });
  }

  private valueStart(i: number): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      if (this.rootSeen) this.syntax('more than one top-level value');
      return;
    }
    if (top.target >= 0 && top.elemStart < 0 && !(top.isObject && top.expectKey)) {
      top.elemStart = i;
      top.elemLine = this.line;
    }
  }

  private emit(events: JsonElementEvent[], frame: Frame, text: string, end: number): void {
    const raw = text.slice(frame.elemStart, end);
    const event: JsonElementEvent = { target: frame.target, index: frame.index, line: frame.elemLine };
    if (frame.isObject && frame.key !== undefined) event.key = frame.key;
    try {
      event.value = JSON.parse(raw);
    } catch (error) {
      event.error = `not valid JSON (${(error as Error).message})`;
    }
    events.push(event);
    frame.index++;
    frame.elemStart = -1;
  }

  private syntax(reason: string): never {
    throw new VlmError('json_syntax', `Malformed JSON at line ${this.line}: ${reason}.`, {
      location: { file: this.file },
      hint: 'The file is not valid JSON at this point; re-download it or check that it is the expected file.',
    });
  }
}
