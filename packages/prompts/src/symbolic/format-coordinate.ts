/**
 * `repr(round(value, decimals))` as Python prints it, the one number formatter behind every box upstream
 * LLaVA wrote: `decimals` places at most (3 for the GPT-4 context boxes, 2 for LLaVA-1.5's region data),
 * trailing zeros dropped, but an integral value keeps one `.0` (`1.0`, `0.0`; `-0.0` is written `0.0`).
 * Python rounds the exact binary value, and an exact tie half to even (`round(0.125, 2)` is `0.12`,
 * `round(0.005, 2)` is `0.01` because the double nearest 0.005 lies above the tie); `toFixed` agrees
 * except on exact ties, which are found on the exact decimal expansion rather than on a product that may
 * itself be rounded.
 */
export function formatRounded(value: number, decimals: number): string {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 20) throw new RangeError(`decimals must be an integer in 0..20, got ${decimals}`);
  let text = value.toFixed(decimals);
  if (Number.isFinite(value) && Math.abs(value) < 1e21) {
    // Every digit of the double (toFixed is exact up to 100 places; a tie has at most decimals + 1).
    const exact = Math.abs(value).toFixed(100);
    const point = exact.indexOf('.');
    const tail = exact.slice(point + 1 + decimals);
    if (/^50*$/.test(tail)) {
      // toFixed breaks an exact tie away from zero; Python keeps the even neighbour.
      const truncated = exact.slice(0, point + (decimals > 0 ? 1 + decimals : 0));
      const lastDigit = Number(truncated[truncated.length - 1]);
      if (lastDigit % 2 === 0) text = `${value < 0 ? '-' : ''}${truncated}`;
    }
  }
  if (text.includes('.')) text = text.replace(/0+$/, '');
  if (text.endsWith('.')) text += '0';
  else if (!text.includes('.')) text += '.0';
  if (text === '-0.0') text = '0.0';
  return text;
}

/**
 * A coordinate of the symbolic image as upstream LLaVA printed it: `round(x, 3)` (`0.566`, `1.0`).
 * Unary, so `box.map(formatCoordinate)` stays safe.
 */
export function formatCoordinate(value: number): string {
  return formatRounded(value, 3);
}
