import { readFile } from 'node:fs/promises';
import { VlmError } from '@vlm/core';
import { readFailed } from './read-failed';

// A reader for the plain-data pickles datasets publish (RefCOCO's refs(*).p from Python 2, PathVQA's
// *_qa.pkl): lists, dicts, tuples, strings, numbers, booleans and None, pickle protocols 0 to 5.
// Pickles that name Python classes (GLOBAL/REDUCE) are refused: running their constructors is what
// makes untrusted pickles dangerous, and plain data never needs them.

const MARK = Symbol('mark');
type Value = unknown;

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

function rawUnicodeEscape(bytes: Uint8Array): string {
  return latin1.decode(bytes).replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, u4?: string, u8?: string) => String.fromCodePoint(parseInt(u4 ?? u8!, 16)));
}

/** Python's repr of a str/bytes literal in protocol 0 (`'abc'` or `"a'b"` with backslash escapes). */
function pythonStringLiteral(text: string): string {
  const quote = text[0];
  if ((quote !== "'" && quote !== '"') || text[text.length - 1] !== quote) throw new Error(`bad STRING literal ${text}`);
  return text.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|n|r|t|\\|'|")/g, (_, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"' } as Record<string, string>)[e]!;
  });
}

function twosComplementLE(bytes: Uint8Array): number {
  if (bytes.length === 0) return 0;
  let value = 0n;
  for (let k = bytes.length - 1; k >= 0; k--) value = (value << 8n) | BigInt(bytes[k]!);
  if (bytes[bytes.length - 1]! & 0x80) value -= 1n << BigInt(bytes.length * 8);
  return Number(value);
}

function dictKey(key: Value): string {
  if (typeof key === 'string') return key;
  if (typeof key === 'number' || typeof key === 'boolean' || key === null) return String(key);
  return JSON.stringify(key);
}

/**
 * Decodes a pickle into plain JavaScript values: lists and tuples become arrays, dicts objects (keys as
 * strings), Python 2 `str` and Python 3 `str` strings (UTF-8), ints numbers (precision beyond 2^53 is
 * lost), `bytes` Uint8Arrays.
 */
export function parsePickle(data: Uint8Array, file = '<pickle>'): unknown {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const stack: Value[] = [];
  const marks: number[] = [];
  const memo = new Map<number, Value>();
  let pos = 0;

  const fail = (reason: string, hint = 'Export the pickle to JSON with Python: json.dump(pickle.load(f), out).'): never => {
    throw new VlmError('pickle_unsupported', `Cannot read this pickle: ${reason} (at byte ${pos}).`, { location: { file }, hint });
  };
  const need = (n: number) => {
    if (pos + n > data.length) fail('the file ends in the middle of a value (truncated?)');
  };
  const u8 = () => (need(1), data[pos++]!);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = () => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const u64 = () => (need(8), (pos += 8), Number(view.getBigUint64(pos - 8, true)));
  const bytes = (n: number) => (need(n), (pos += n), data.subarray(pos - n, pos));
  const line = () => {
    const end = data.indexOf(10, pos);
    if (end < 0) fail('a text opcode without its newline');
    const out = data.subarray(pos, end);
    pos = end + 1;
    return out;
  };
  const textLine = () => latin1.decode(line());
  const pop = () => (stack.length === 0 ? fail('stack underflow (not a pickle?)') : stack.pop());
  const top = () => (stack.length === 0 ? fail('stack underflow (not a pickle?)') : stack[stack.length - 1]);
  const popMark = (): Value[] => {
    const at = marks.pop();
    if (at === undefined) fail('an opcode needs a MARK that is missing');
    return stack.splice(at!);
  };
  const setItems = (dict: Value, items: Value[]) => {
    if (typeof dict !== 'object' || dict === null || Array.isArray(dict)) fail('SETITEM(S) on something that is not a dict');
    for (let k = 0; k + 1 < items.length; k += 2) (dict as Record<string, Value>)[dictKey(items[k])] = items[k + 1];
  };
  const append = (list: Value, items: Value[]) => {
    if (!Array.isArray(list)) fail('APPEND(S) on something that is not a list');
    for (const item of items) (list as Value[]).push(item);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('pickle protocol above 5');
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) fail('the pickle does not end with exactly one value');
        return stack[0];
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x49: {
        // INT (protocol 0; "01"/"00" are True/False)
        const t = textLine();
        stack.push(t === '01' ? true : t === '00' ? false : Number(t));
        break;
      }
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4c: // LONG
        stack.push(Number(textLine().replace(/L$/, '')));
        break;
      case 0x8a: // LONG1
        stack.push(twosComplementLE(bytes(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(twosComplementLE(bytes(u32())));
        break;
      case 0x46: // FLOAT
        stack.push(Number(textLine()));
        break;
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x53: // STRING (Python 2 str, repr)
        stack.push(pythonStringLiteral(textLine()));
        break;
      case 0x54: // BINSTRING
        stack.push(utf8.decode(bytes(u32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(utf8.decode(bytes(u8())));
        break;
      case 0x56: // UNICODE (raw-unicode-escape)
        stack.push(rawUnicodeEscape(line()));
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8.decode(bytes(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8.decode(bytes(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8.decode(bytes(u64())));
        break;
      case 0x42: // BINBYTES
        stack.push(bytes(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(bytes(u64()).slice());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x61: {
        // APPEND
        const item = pop();
        append(top(), [item]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push({});
        break;
      case 0x64: {
        // DICT
        const dict = {};
        setItems(dict, popMark());
        stack.push(dict);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push([]);
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x91: // FROZENSET
        stack.push(popMark());
        break;
      case 0x70: // PUT
        memo.set(Number(textLine()), top());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: // GET
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const key = op === 0x67 ? Number(textLine()) : op === 0x68 ? u8() : u32();
        if (!memo.has(key)) fail(`memo entry ${key} was never stored`);
        stack.push(memo.get(key));
        break;
      }
      case 0x63: // GLOBAL
      case 0x93: // STACK_GLOBAL
      case 0x52: // REDUCE
      case 0x62: // BUILD
      case 0x81: // NEWOBJ
      case 0x92: // NEWOBJ_EX
      case 0x69: // INST
      case 0x6f: // OBJ
        fail(op === 0x63 ? `it builds a Python object (${textLine().trim()}.${textLine().trim()})` : 'it builds Python objects, not plain data');
        break;
      default:
        fail(`unknown opcode 0x${op.toString(16)} (not a pickle?)`);
    }
  }
}

/** Reads and decodes a plain-data pickle file. */
export async function readPickle(file: string): Promise<unknown> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (error) {
    throw readFailed(file, error);
  }
  return parsePickle(data, file);
}
