import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { barChartSvg } from './bar-chart-svg';
import { reportChartSpec } from './eval-report';
import { svgToPng } from './render-png';

describe('barChartSvg', () => {
  const spec = { title: 'Scores <v1> & more', series: ['a', 'b'], groups: [{ label: 'conv', values: [80, null] }, { label: 'all', values: [50, 120] }] };

  it('draws one bar per measured value, escapes text and scales the axis to the data', () => {
    const svg = barChartSvg(spec);
    expect(svg.match(/<rect class="bar" /g)).toHaveLength(3);
    expect(svg).toContain('Scores &lt;v1&gt; &amp; more');
    expect(svg).toContain('>120</text>'); // y axis top: 120 rounded up to a multiple of 20
  });

  it('renders to a real PNG with sharp', async () => {
    const meta = await sharp(await svgToPng(barChartSvg(spec))).metadata();
    expect(meta).toMatchObject({ format: 'png' });
    expect(meta.width).toBeGreaterThanOrEqual(480 * 2 - 1);
  });
});

/** Raw RGB pixels of an SVG rendered by sharp (librsvg), as the report's PNG is rendered. */
async function render(svg: string) {
  const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const ink = (x: number, y: number) => {
    const i = (y * info.width + x) * info.channels;
    return data[i]! < 250 || data[i + 1]! < 250 || data[i + 2]! < 250;
  };
  return { width: info.width, height: info.height, ink };
}

describe('the report chart legend', () => {
  const vqa = { open: { n: 4, recall: 62.5, precision: 50, f1: 55.6 }, closed: { n: 6, correct: 5, accuracy: 83.33, ambiguous: 0, noVerdict: 0 } };

  it('lists only the series the report measured', () => {
    const spec = reportChartSpec({ vqa });
    expect(spec.series).toEqual(['accuracy / recall']);
    expect(spec.groups).toEqual([{ label: 'VQA open recall', values: [62.5] }, { label: 'VQA closed acc', values: [83.33] }]);
    const svg = barChartSvg(spec);
    expect(svg).toContain('>accuracy / recall</text>');
    expect(svg).not.toContain('ratio of means');
    expect(svg).not.toContain('mean of ratios');
    // barChartSvg itself also leaves out a series without a single value
    expect(barChartSvg({ title: 't', series: ['a', 'never'], groups: [{ label: 'g', values: [1, null] }] })).not.toContain('>never</text>');
  });

  it('wraps a legend that does not fit instead of cutting it at the right edge', async () => {
    const judged = { title: 'Evaluation', yLabel: 'score (%)', series: ['ratio of means (LLaVA, Quilt)', 'mean of ratios (LLaVA-Med)', 'accuracy / recall'], groups: [{ label: 'judge: all', values: [81.2, 79.9, null] }, { label: 'VQA open recall', values: [null, null, 62.5] }] };
    const svg = barChartSvg(judged);
    const { width, height, ink } = await render(svg);
    for (let y = 0; y < height; y++) for (let x = width - 6; x < width; x++) expect(ink(x, y), `ink at (${x}, ${y}) in the right margin`).toBe(false);
    for (let x = 0; x < width; x++) expect(ink(x, height - 2), `ink at (${x}, ${height - 2}) on the bottom edge`).toBe(false);
    for (const name of judged.series) expect(svg).toContain(`>${escape(name)}</text>`);
  });
});

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
