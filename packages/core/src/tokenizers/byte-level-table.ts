// GPT-2's reversible byte <-> unicode table used by ByteLevel BPE vocabularies (`Ġ` is a space).
let table: Map<string, number> | undefined;

/** Map from a ByteLevel vocabulary character to the byte it stands for. */
export function byteLevelDecoder(): Map<string, number> {
  if (table) return table;
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
  table = new Map(bytes.map((b, i) => [String.fromCodePoint(chars[i]!), b]));
  return table;
}
