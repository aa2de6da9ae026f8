/**
 * Formats a coordinate the way upstream LLaVA's Python did (`round(x, 3)` printed with `repr`): three
 * decimals at most, trailing zeros dropped, but an integral value keeps one `.0` (`1.0`, `0.0`).
 * Ties are rounded half to even on the exact binary value, as Python's `round` does.
 */
export function formatCoordinate(value: number): string {
  let text = value.toFixed(3);
  // toFixed breaks exact binary ties upwards; Python rounds them to even.
  const scaled = value * 1000;
  if (Math.abs(scaled - Math.trunc(scaled)) === 0.5 && Number.isFinite(scaled)) {
    const lower = Math.floor(scaled);
    const even = lower % 2 === 0 ? lower : lower + 1;
    text = (even / 1000).toFixed(3);
  }
  text = text.replace(/0+$/, '');
  if (text.endsWith('.')) text += '0';
  if (text === '-0.0') text = '0.0';
  return text;
}
