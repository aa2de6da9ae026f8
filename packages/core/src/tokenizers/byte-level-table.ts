// GPT-2's reversible byte <-> unicode table used by ByteLevel BPE vocabularies (`Ġ` is a space); CLIP
// reuses it.
let encoder: string[] | undefined;
let decoder: Map<string, number> | undefined;

/** The character a ByteLevel vocabulary writes for each byte 0..255. */
export function byteLevelEncoder(): readonly string[] {
  if (encoder) return encoder;
  const bytes: number[] = [];
  for (let b = 33; b <= 126; b++) bytes.push(b);
  for (let b = 161; b <= 172; b++) bytes.push(b);
  for (let b = 174; b <= 255; b++) bytes.push(b);
  const chars = bytes.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) {
      bytes.push(b);
      chars.push(256 + n++);
    }
  }
  const table = new Array<string>(256);
  bytes.forEach((b, i) => (table[b] = String.fromCodePoint(chars[i]!)));
  encoder = table;
  return table;
}

/** Map from a ByteLevel vocabulary character to the byte it stands for. */
export function byteLevelDecoder(): Map<string, number> {
  decoder ??= new Map(byteLevelEncoder().map((ch, b) => [ch, b]));
  return decoder;
}
