import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EvaluatedQuestion, TypeAccuracy } from './evaluate';

/** What the demo report shows. */
export interface DemoReportInput {
  accuracy: TypeAccuracy[];
  questions: EvaluatedQuestion[];
  /** Seconds per phase, in order. */
  phases: [string, number][];
  totalSeconds: number;
  lossCurvePng: string;
  imageRoot: string;
  backend: string;
  settings: Record<string, string | number>;
  /** Said first, in both reports (e.g. that a quick run is not expected to learn). */
  notice?: string;
  /** Full fine-tuning and LoRA of stage 2, side by side (`vlm-train demo --lora`). */
  loraComparison?: LoraComparisonRow[];
}

/** One variant of stage 2: what it trains, how long a step takes, how well it answers. */
export interface LoraComparisonRow {
  variant: string;
  trainable: number;
  secondsPerStep: number;
  accuracy: TypeAccuracy[];
}

function millions(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} k`;
}

/** Stage 2 with full fine-tuning next to LoRA: trainable parameters, step time, accuracy per question type. */
export function loraComparisonTable(rows: readonly LoraComparisonRow[]): string[] {
  const types = rows[0]?.accuracy.map((a) => a.type) ?? [];
  const header = ['stage 2', 'trainable', 's/step', ...types];
  const body = rows.map((r) => [r.variant, millions(r.trainable), r.secondsPerStep.toFixed(3), ...r.accuracy.map((a) => pct(a.model))]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => (r[c] as string).length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** The accuracy table for a terminal. */
export function accuracyTable(accuracy: readonly TypeAccuracy[]): string[] {
  const rows = accuracy.map((a) => [a.type, String(a.n), pct(a.model), pct(a.textOnly), pct(a.chance)]);
  const header = ['question type', 'n', 'with image', 'text only', 'chance'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

/** The terminal report: timings, accuracy table and a few sample answers. */
export function terminalReport(input: DemoReportInput): string[] {
  const out = [`demo finished in ${input.totalSeconds.toFixed(1)} s on ${input.backend}`];
  if (input.notice) out.unshift(`note: ${input.notice}`, '');
  const nameWidth = Math.max(28, ...input.phases.map(([name]) => name.length));
  for (const [name, s] of input.phases) out.push(`  ${name.padEnd(nameWidth)} ${s.toFixed(1).padStart(7)} s`);
  out.push('', ...accuracyTable(input.accuracy), '');
  if (input.loraComparison) out.push(...loraComparisonTable(input.loraComparison), '');
  for (const q of input.questions.slice(0, 6)) {
    out.push(`${q.scene} · ${q.question}`);
    out.push(`  expected ${JSON.stringify(q.expected)} · with image ${JSON.stringify(q.withImage)} · text only ${JSON.stringify(q.textOnly)}`);
  }
  return out;
}

function esc(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] as string);
}

/** A self-contained HTML report: accuracy table, loss curves, sample conversations with their images. */
export async function htmlReport(input: DemoReportInput): Promise<string> {
  const curve = (await readFile(input.lossCurvePng)).toString('base64');
  const rows = input.accuracy
    .map((a) => `<tr><td>${a.type}</td><td>${a.n}</td><td><b>${pct(a.model)}</b></td><td>${pct(a.textOnly)}</td><td>${pct(a.chance)}</td></tr>`)
    .join('\n');
  const byScene = new Map<string, EvaluatedQuestion[]>();
  for (const q of input.questions) byScene.set(q.scene, [...(byScene.get(q.scene) ?? []), q]);
  const samples: string[] = [];
  for (const [scene, qs] of [...byScene].slice(0, 8)) {
    const png = (await readFile(join(input.imageRoot, (qs[0] as EvaluatedQuestion).image))).toString('base64');
    const turns = qs
      .map((q) => {
        const ok = q.withImage.trim().toLowerCase().replace(/\.$/, '') === q.expected.toLowerCase();
        return `<p><b>USER:</b> ${esc(q.question)}<br><b>ASSISTANT:</b> <span class="${ok ? 'ok' : 'bad'}">${esc(q.withImage)}</span> <small>(expected ${esc(q.expected)}; text only: ${esc(q.textOnly)})</small></p>`;
      })
      .join('');
    samples.push(`<div class="sample"><img src="data:image/png;base64,${png}" alt="${esc(scene)}"><div><h3>${esc(scene)}</h3>${turns}</div></div>`);
  }
  const lora = input.loraComparison
    ? `<h2>Stage 2: full fine-tuning vs LoRA</h2><table><tr>${['stage 2', 'trainable parameters', 's / step', ...(input.loraComparison[0]?.accuracy.map((a) => a.type) ?? [])].map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${input.loraComparison
        .map((r) => `<tr><td>${esc(r.variant)}</td><td>${millions(r.trainable)}</td><td>${r.secondsPerStep.toFixed(3)}</td>${r.accuracy.map((a) => `<td>${pct(a.model)}</td>`).join('')}</tr>`)
        .join('')}</table>`
    : '';
  const phases = input.phases.map(([n, s]) => `<tr><td>${esc(n)}</td><td>${s.toFixed(1)} s</td></tr>`).join('');
  const settings = Object.entries(input.settings)
    .map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(String(v))}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vlm-train demo report</title>
<style>
body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}td:first-child,th:first-child{text-align:left}
.sample{display:flex;gap:1em;align-items:flex-start;border-top:1px solid #ddd;padding:0.8em 0}
.sample img{width:128px;height:128px;image-rendering:pixelated;border:1px solid #999}
.notice{background:#fff4d6;border:1px solid #e0b84c;padding:0.6em 0.9em}
.ok{color:#080;font-weight:bold}.bad{color:#b00;font-weight:bold}
</style></head><body>
<h1>vlm-train demo: a tiny LLaVA learns a world of shapes</h1>
${input.notice ? `<p class="notice"><b>Note:</b> ${esc(input.notice)}</p>
` : ''}<p>Finished in <b>${input.totalSeconds.toFixed(1)} s</b> on ${esc(input.backend)}. Held-out questions about unseen images, exact match.</p>
<h2>Accuracy per question type</h2>
<table><tr><th>question type</th><th>n</th><th>with image</th><th>text only (same model, no image)</th><th>chance</th></tr>
${rows}</table>
${lora}
<h2>Loss curves</h2>
<img src="data:image/png;base64,${curve}" alt="loss curves" style="max-width:100%">
<h2>Sample conversations (unseen images)</h2>
${samples.join('\n')}
<h2>Time per phase</h2><table>${phases}</table>
<h2>Settings</h2><table>${settings}</table>
</body></html>
`;
}
