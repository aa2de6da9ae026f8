import sharp from 'sharp';

/** One curve: a name and its (step, loss) points. */
export interface LossSeries {
  name: string;
  points: readonly (readonly [number, number])[];
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] as string);
}

// A generous advance per character of 12 px sans-serif text (DejaVu Sans, librsvg's usual fallback,
// averages ~0.55 em over stage names and digits; 7.7 px is 0.64 em), so labels wrap before they overflow.
const CHAR_WIDTH = 7.7;
const LEGEND_ROW = 18;

/** Legend entries placed left to right, wrapping to a new row before one would pass `maxX`. */
function legendLayout(labels: readonly string[], left: number, maxX: number): { x: number; row: number }[] {
  let x = left;
  let row = 0;
  return labels.map((label) => {
    const w = 16 + label.length * CHAR_WIDTH;
    if (x > left && x + w > maxX) {
      x = left;
      row++;
    }
    const at = { x, row };
    x += w + 14;
    return at;
  });
}

/**
 * Loss curves as an SVG: one panel, each series on its own x range laid end to end (stage after
 * stage), a log-free linear y axis from 0 to the largest loss, ticks and a legend below that wraps
 * to more rows (the image grows) rather than running off the right edge.
 */
export function lossCurveSvg(series: readonly LossSeries[], options: { width?: number; height?: number; title?: string } = {}): string {
  const width = options.width ?? 720;
  const m = { left: 56, right: 16, top: 36, bottom: 40 };
  const labels = series.map((s) => `${s.name} (${s.points.length} steps)`);
  const legend = legendLayout(labels, m.left + 8, width - m.right);
  const extraRows = Math.max(0, ...legend.map((l) => l.row));
  const height = (options.height ?? 320) + extraRows * LEGEND_ROW;
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom - extraRows * LEGEND_ROW;
  const lengths = series.map((s) => s.points.length);
  const totalX = Math.max(1, lengths.reduce((a, b) => a + b, 0) - 1);
  const finite = series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  const maxY = Math.max(1e-6, ...finite) * 1.05;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${m.left}" y="20" font-size="14" font-weight="bold">${escapeXml(options.title ?? 'training loss')}</text>`,
    `<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (maxY * i) / 4;
    const y = m.top + plotH - (plotH * i) / 4;
    parts.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    parts.push(`<text x="${m.left - 6}" y="${y + 4}" text-anchor="end">${v.toFixed(v < 10 ? 2 : 0)}</text>`);
  }
  let offset = 0;
  series.forEach((s, k) => {
    const colour = COLOURS[k % COLOURS.length];
    const xy = s.points
      .filter((p) => Number.isFinite(p[1]))
      .map((p, i) => `${(m.left + (plotW * (offset + i)) / totalX).toFixed(1)},${(m.top + plotH - (plotH * p[1]) / maxY).toFixed(1)}`);
    if (xy.length > 0) parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${xy.join(' ')}"/>`);
    const x0 = m.left + (plotW * offset) / totalX;
    if (k > 0) parts.push(`<line x1="${x0}" x2="${x0}" y1="${m.top}" y2="${m.top + plotH}" stroke="#bbb" stroke-dasharray="4 3"/>`);
    const { x, row } = legend[k]!;
    const y = m.top + plotH + 18 + row * LEGEND_ROW;
    parts.push(`<rect x="${x.toFixed(1)}" y="${y}" width="12" height="12" fill="${colour}"/>`);
    parts.push(`<text x="${(x + 16).toFixed(1)}" y="${y + 10}">${escapeXml(labels[k]!)}</text>`);
    offset += s.points.length;
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Renders loss curves to a PNG file (SVG rasterised by sharp). */
export async function writeLossCurvePng(path: string, series: readonly LossSeries[], options: { title?: string } = {}): Promise<void> {
  await sharp(Buffer.from(lossCurveSvg(series, options))).png().toFile(path);
}
