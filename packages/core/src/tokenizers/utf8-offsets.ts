/**
 * UTF-8 byte positions of `text` -> UTF-16 indices, for positions `0..byteLength`: `start[b]` is the
 * character containing byte `b` (a span starting there starts at that character), `end[b]` is where a
 * span ending before byte `b` ends (a position inside a character rounds up to that character's end).
 * Both are `text.length` at `byteLength`.
 */
export function utf8CharOffsets(text: string, byteLength: number): { start: Int32Array; end: Int32Array } {
  const start = new Int32Array(byteLength + 1);
  const end = new Int32Array(byteLength + 1);
  let b = 0;
  for (let c = 0; c < text.length; ) {
    const cp = text.codePointAt(c)!;
    const units = cp > 0xffff ? 2 : 1;
    const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (let k = 0; k < n; k++) {
      start[b + k] = c;
      end[b + k] = k === 0 ? c : c + units;
    }
    b += n;
    c += units;
  }
  start[byteLength] = text.length;
  end[byteLength] = text.length;
  return { start, end };
}
