import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { barChartSvg } from './bar-chart-svg';
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
