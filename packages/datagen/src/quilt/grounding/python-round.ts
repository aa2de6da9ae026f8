/**
 * `str(round(v, 2))` as Python prints it: exact-decimal rounding with ties to even, shortest repr,
 * and a trailing `.0` on whole numbers (`1.0`, `0.0`). The grounded caption strings of Quilt-LLaVA
 * were written this way, so ours match them character for character.
 */
export function pythonRound2(value: number): string {
  let rounded: number;
  // Only multiples of 1/8 with an odd numerator are exact ties at two decimals in binary floating point.
  const eighths = value * 8;
  if (Number.isInteger(eighths) && Math.abs(eighths) % 2 === 1) {
    const hundredths = value * 100; // exact: n/8 * 100 = 12.5 n
    const floor = Math.floor(hundredths);
    rounded = (floor % 2 === 0 ? floor : floor + 1) / 100;
  } else {
    // toFixed rounds the exact binary value, as Python does, when there is no exact tie.
    rounded = Number(value.toFixed(2));
  }
  if (Object.is(rounded, -0)) rounded = 0;
  const text = String(rounded);
  return Number.isInteger(rounded) ? `${text}.0` : text;
}
