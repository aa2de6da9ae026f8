import { readFile } from 'node:fs/promises';
import type { ShootoutConnector } from './connector-shootout';
import type { EvaluatedQuestion, TypeAccuracy } from './evaluate';

/** One connector of the shoot-out: what it trains, what the LM sees, how fast, how well. */
export interface ShootoutRow {
  connector: ShootoutConnector;
  label: string;
  /** Its upstream recipe in words (what trains, what is frozen). */
  recipe: string;
  /** Parameters its stage 2 trains. */
  trainable: number;
  /** Positions one image takes in the LM's sequence (Flamingo: the one `<image>` token; the latents enter through cross-attention). */
  imageTokens: number;
  /** Mean seconds per stage-2 step. */
  secondsPerStep: number;
  /** Training seconds of all its stages (stage 1 and stage 2; the shared pretraining is not counted). */
  trainSeconds: number;
  /** CPU seconds of this process per stage-2 step, and over all its stages (the load of other jobs barely moves these). */
  cpuSecondsPerStep: number;
  trainCpuSeconds: number;
  stage2Steps: number;
  finalLoss: number;
  /** Held-out exact match per question type (`model` with the image, `textOnly` the same model without it). */
  accuracy: TypeAccuracy[];
  /** Its last checkpoint (chat with it: `vlm-train chat --checkpoint <dir>`). */
  checkpoint: string;
  /** A few of its answers. */
  sample: EvaluatedQuestion[];
}

/** What the shoot-out report shows. */
export interface ShootoutReportInput {
  rows: readonly ShootoutRow[];
  /** The shared LM answering without the image. */
  textOnly: readonly TypeAccuracy[];
  totalSeconds: number;
  sharedSeconds: number;
  backend: string;
  settings: Record<string, string | number>;
  lossCurvePng: string;
  notice?: string;
  interrupted?: { connector?: string; stage: string; step: number; totalSteps: number; checkpoint?: string };
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const thousands = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} k`);

/** The table's rows as cells: one per connector, then the text-only LM and chance. */
export function shootoutCells(rows: readonly ShootoutRow[], textOnly: readonly TypeAccuracy[]): { header: string[]; body: string[][] } {
  const types = (rows[0]?.accuracy ?? textOnly).map((a) => a.type);
  const header = ['connector', 'trainable', 'image tokens', 's/step', 'CPU s/step', 'total s', 'CPU s', ...types];
  const body = rows.map((r) => [r.label, thousands(r.trainable), String(r.imageTokens), r.secondsPerStep.toFixed(3), r.cpuSecondsPerStep.toFixed(3), r.trainSeconds.toFixed(0), r.trainCpuSeconds.toFixed(0), ...r.accuracy.map((a) => pct(a.model))]);
  if (textOnly.length > 0) {
    body.push(['text only (shared LM, no image)', '', '', '', '', '', '', ...textOnly.map((a) => pct(a.textOnly))]);
    body.push(['chance', '', '', '', '', '', '', ...textOnly.map((a) => pct(a.chance))]);
  }
  return { header, body };
}

/** The shoot-out table for a terminal. */
export function shootoutTable(rows: readonly ShootoutRow[], textOnly: readonly TypeAccuracy[]): string[] {
  const { header, body } = shootoutCells(rows, textOnly);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => (r[c] as string).length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
}

/** The shoot-out table as Markdown (for a README). */
export function shootoutMarkdown(rows: readonly ShootoutRow[], textOnly: readonly TypeAccuracy[]): string[] {
  const { header, body } = shootoutCells(rows, textOnly);
  return [`| ${header.join(' | ')} |`, `|${header.map((_, c) => (c === 0 ? '---' : '---:')).join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)];
}

function esc(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] as string);
}

/** A self-contained HTML report: the table, each model's own text-only answers, the stage-2 loss curves, a few answers. */
export async function shootoutHtml(input: ShootoutReportInput): Promise<string> {
  const curve = (await readFile(input.lossCurvePng)).toString('base64');
  const { header, body } = shootoutCells(input.rows, input.textOnly);
  const table = `<table><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${body.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n')}</table>`;
  const types = input.textOnly.map((a) => a.type);
  const own = input.rows.length
    ? `<h2>Each model without the image</h2><p>The same questions without the image, per trained model (the recipes that train the LM change its text-only answers too).</p><table><tr><th>connector</th>${types.map((t) => `<th>${t}</th>`).join('')}<th>recipe</th><th>final stage-2 loss</th><th>checkpoint</th></tr>${input.rows
        .map((r) => `<tr><td>${esc(r.label)}</td>${r.accuracy.map((a) => `<td>${pct(a.textOnly)}</td>`).join('')}<td>${esc(r.recipe)}</td><td>${r.finalLoss.toFixed(4)}</td><td>${esc(r.checkpoint)}</td></tr>`)
        .join('')}</table>`
    : '';
  const samples = input.rows
    .map((r) => `<h3>${esc(r.label)}</h3>${r.sample.map((q) => `<p><b>${esc(q.scene)}</b> · ${esc(q.question)} → <b>${esc(q.withImage)}</b> <small>(expected ${esc(q.expected)}; without the image: ${esc(q.textOnly)})</small></p>`).join('')}`)
    .join('\n');
  const settings = Object.entries(input.settings)
    .map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(String(v))}</td></tr>`)
    .join('');
  const stopped = input.interrupted
    ? `<p class="notice"><b>Interrupted</b> in ${esc(input.interrupted.connector ?? 'the shared pretraining')} stage ${esc(input.interrupted.stage)} at step ${input.interrupted.step}/${input.interrupted.totalSteps}${input.interrupted.checkpoint ? ` (checkpoint ${esc(input.interrupted.checkpoint)})` : ''}; the table has the connectors finished before.</p>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vlm-train connector shoot-out</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}td:first-child,th:first-child{text-align:left}
.notice{background:#fff4d6;border:1px solid #e0b84c;padding:0.6em 0.9em}
</style></head><body>
<h1>Connector shoot-out: how image features reach the LM</h1>
${input.notice ? `<p class="notice"><b>Note:</b> ${esc(input.notice)}</p>\n` : ''}${stopped}
<p>Finished in <b>${input.totalSeconds.toFixed(1)} s</b> on ${esc(input.backend)}; the shared vision tower and LM were pretrained once (${input.sharedSeconds.toFixed(1)} s) and copied into every model. Held-out questions about unseen images, exact match. <i>trainable</i>: parameters stage 2 trains; <i>image tokens</i>: positions one image takes in the LM's sequence; <i>s/step</i>: mean stage-2 step (wall clock); <i>CPU s/step</i>: CPU time of the process per stage-2 step (hardly moved by other jobs on the machine); <i>total s</i> / <i>CPU s</i>: all of the connector's training stages.</p>
${table}
${own}
<h2>Stage-2 loss curves</h2>
<img src="data:image/png;base64,${curve}" alt="stage-2 loss curves" style="max-width:100%">
<h2>Sample answers</h2>
${samples}
<h2>Settings</h2><table>${settings}</table>
</body></html>
`;
}
