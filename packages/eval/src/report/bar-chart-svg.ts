/** One group of bars (e.g. a category) with one value per series (null: not measured, no bar). */
export interface BarGroup {
  label: string;
  values: Array<number | null>;
}

/** What {@link barChartSvg} draws. */
export interface BarChartSpec {
  title: string;
  /** Names of the series, in the order of each group's values (shown in the legend). */
  series: string[];
  groups: BarGroup[];
  /** Top of the y axis; default: the largest value rounded up to a multiple of 20 (at least 100). */
  yMax?: number;
  yLabel?: string;
  width?: number;
  height?: number;
}

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const fmt = (v: number) => (Math.round(v * 10) / 10).toString();

// A generous advance per character of 11 px sans-serif legend text (DejaVu Sans averages ~0.55 em),
// so entries wrap to a new row before they would run off the right edge.
const LEGEND_CHAR_WIDTH = 7;
const LEGEND_ROW = 18;

/**
 * A grouped bar chart as a standalone SVG document (values printed above the bars). The legend lists
 * only series with at least one measured value and wraps onto more rows (the image grows) when it
 * does not fit on one.
 */
export function barChartSvg(spec: BarChartSpec): string {
  const shown = spec.series.flatMap((name, si) => (spec.groups.some((g) => g.values[si] !== null && g.values[si] !== undefined) ? [{ name, si }] : []));
  const width = spec.width ?? Math.max(480, 140 + spec.groups.length * (40 + 28 * Math.max(1, shown.length)));
  const margin = { top: 56, right: 20, bottom: 70, left: 56 };
  let lx = margin.left;
  let rows = 0;
  const legend = shown.map(({ name, si }) => {
    const w = 16 + name.length * LEGEND_CHAR_WIDTH;
    if (lx > margin.left && lx + w > width - margin.right) {
      lx = margin.left;
      rows++;
    }
    const at = { name, si, x: lx, row: rows };
    lx += w + 12;
    return at;
  });
  const height = (spec.height ?? 420) + rows * LEGEND_ROW;
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom - rows * LEGEND_ROW;
  const maxValue = Math.max(0, ...spec.groups.flatMap((g) => g.values.filter((v): v is number => v !== null)));
  const yMax = spec.yMax ?? Math.max(100, Math.ceil(maxValue / 20) * 20);
  const y = (v: number) => margin.top + plotH - (Math.min(Math.max(v, 0), yMax) / yMax) * plotH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${width / 2}" y="24" font-size="16" text-anchor="middle" font-weight="bold">${escapeXml(spec.title)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const v = (yMax / 5) * i;
    const yy = y(v).toFixed(1);
    out.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${yy}" y2="${yy}" stroke="#dddddd"/>`);
    out.push(`<text x="${margin.left - 6}" y="${yy}" font-size="11" text-anchor="end" dominant-baseline="middle">${fmt(v)}</text>`);
  }
  if (spec.yLabel) {
    out.push(`<text transform="translate(14 ${margin.top + plotH / 2}) rotate(-90)" font-size="12" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`);
  }
  const groupW = spec.groups.length ? plotW / spec.groups.length : plotW;
  const barW = Math.max(4, Math.min(36, (groupW * 0.8) / Math.max(1, shown.length)));
  spec.groups.forEach((group, gi) => {
    // Only measured values take a slot, so a group with one series is centred under its label.
    const present = group.values.flatMap((value, si) => (value === null ? [] : [{ value, si }]));
    const x0 = margin.left + gi * groupW + (groupW - barW * present.length) / 2;
    present.forEach(({ value, si }, slot) => {
      const x = x0 + slot * barW;
      const top = y(value);
      out.push(`<rect class="bar" x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(margin.top + plotH - top).toFixed(1)}" fill="${PALETTE[si % PALETTE.length]}"/>`);
      out.push(`<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(top - 4).toFixed(1)}" font-size="10" text-anchor="middle">${fmt(value)}</text>`);
    });
    out.push(`<text x="${(margin.left + gi * groupW + groupW / 2).toFixed(1)}" y="${margin.top + plotH + 18}" font-size="12" text-anchor="middle">${escapeXml(group.label)}</text>`);
  });
  out.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${margin.top + plotH}" y2="${margin.top + plotH}" stroke="#333333"/>`);
  for (const { name, si, x, row } of legend) {
    const ly = margin.top + plotH + 48 + row * LEGEND_ROW;
    out.push(`<rect x="${x}" y="${ly - 10}" width="12" height="12" fill="${PALETTE[si % PALETTE.length]}"/>`);
    out.push(`<text x="${x + 16}" y="${ly}" font-size="11">${escapeXml(name)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n');
}
