/** One phase of training and its loss per step. */
export interface LossSeries {
  name: string;
  losses: number[];
}

const COLOURS = ['#8a5cd0', '#2a6df4', '#e08a1e', '#1f9e5a', '#d33a3a'];

/**
 * Draws the loss of every phase on one canvas, phases side by side on a shared step axis (each phase
 * starts where the previous one ended), with a legend. Redrawn after every step.
 */
export function drawLossChart(canvas: HTMLCanvasElement, series: readonly LossSeries[]): void {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 640;
  const height = canvas.clientHeight || 240;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const left = 44;
  const right = 10;
  const top = 24;
  const bottom = 22;
  const total = series.reduce((n, s) => n + s.losses.length, 0);
  const all = series.flatMap((s) => s.losses).filter(Number.isFinite);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.strokeStyle = '#ccd';
  ctx.strokeRect(left, top, width - left - right, height - top - bottom);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#555';
  if (all.length === 0) {
    ctx.fillText('the loss of each step appears here', left + 8, top + 18);
    return;
  }
  const max = Math.max(...all);
  const min = Math.min(0, ...all);
  const x = (i: number) => left + ((width - left - right) * i) / Math.max(1, total - 1);
  const y = (v: number) => top + (height - top - bottom) * (1 - (v - min) / Math.max(1e-9, max - min));
  for (const v of [min, (min + max) / 2, max]) ctx.fillText(v.toFixed(2), 4, y(v) + 4);
  ctx.fillText(`${total} steps`, width - right - 60, height - 6);
  let offset = 0;
  let legendX = left;
  series.forEach((s, k) => {
    const colour = COLOURS[k % COLOURS.length]!;
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    s.losses.forEach((v, i) => (i === 0 ? ctx.moveTo(x(offset + i), y(v)) : ctx.lineTo(x(offset + i), y(v))));
    ctx.stroke();
    ctx.fillStyle = colour;
    ctx.fillRect(legendX, 8, 10, 10);
    ctx.fillStyle = '#333';
    ctx.fillText(s.name, legendX + 14, 17);
    legendX += ctx.measureText(s.name).width + 30;
    offset += s.losses.length;
  });
}
