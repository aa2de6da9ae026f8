/** Quantile with linear interpolation between order statistics (pandas' and numpy's default). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = values.slice().sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower]!;
  return low + (sorted[upper]! - low) * (position - lower);
}

/** Keeps the items whose value lies within [Q1 - m·IQR, Q3 + m·IQR] (Tukey fences, m = 1.5 by default). */
export function filterIqr<T>(items: readonly T[], value: (item: T) => number, multiplier = 1.5): T[] {
  const values = items.map(value);
  const q1 = quantile(values, 0.25);
  const q3 = quantile(values, 0.75);
  const iqr = q3 - q1;
  return items.filter((_, i) => values[i]! >= q1 - multiplier * iqr && values[i]! <= q3 + multiplier * iqr);
}
