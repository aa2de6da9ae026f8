import { RELATIVE_SCORE_METHODS } from '../scores/relative-scores';
import type { EvalReport } from './eval-report';

function table(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The report as Markdown: one table per evaluation, methods and failure counts spelled out. */
export function reportMarkdown(report: EvalReport): string {
  const out: string[] = [`# Evaluation report${report.model ? `: ${report.model}` : ''}`];
  if (report.judge) {
    const j = report.judge;
    out.push('', '## GPT judge (LLaVA-Bench layout)', '');
    out.push(`Judge model: ${j.judge.models.join(', ') || '-'}; versions that answered: ${j.judge.versions.join(', ') || '-'}.`);
    out.push(`Relative scores, two methods that are not comparable: **${RELATIVE_SCORE_METHODS.ratioOfMeans}**; **${RELATIVE_SCORE_METHODS.meanOfRatios}**.`);
    const rounding = j.passes.find((p) => p.scores)?.scores?.rounding;
    if (rounding) out.push(`Ratio of means rounded ${rounding.description}.`);
    for (const pass of j.passes) {
      const label = pass.order === 'reference-first' ? 'reference as Assistant 1' : 'swapped: model as Assistant 1';
      out.push('', `### Pass: ${label}`, '');
      out.push(`${pass.total} item(s): ${pass.ok} scored, ${pass.failed} failed (excluded, not filled in), ${pass.retried} needed a retry.`, '');
      if (pass.scores) {
        const rows = Object.entries(pass.scores.categories).map(([name, s]) => [name, s.n, s.meanReference, s.meanModel, s.ratioOfMeans, s.meanOfRatios, pass.failedByCategory[name] ?? 0]);
        const o = pass.scores.overall;
        rows.push(['**all**', o.n, o.meanReference, o.meanModel, o.ratioOfMeans, o.meanOfRatios, pass.failed]);
        const ratioLabel = pass.scores.rounding.mode === 'upstream' ? 'ratio of means (LLaVA, Quilt; upstream rounding)' : 'ratio of means (LLaVA, Quilt)';
        out.push(table(['category', 'n', 'reference mean', 'model mean', ratioLabel, 'mean of ratios (LLaVA-Med)', 'failed'], rows));
      } else {
        out.push('No item was scored.');
      }
    }
    if (j.orderBias) {
      const b = j.orderBias;
      out.push('', '### Order bias', '');
      out.push(table(['pairs', 'mean first-position advantage (points)', 'preference flips', 'flip rate'], [[b.pairs, b.meanFirstPositionAdvantage, b.preferenceFlips, b.flipRate]]));
    }
    if (j.failures.length > 0) {
      out.push('', '### Judge failures', '');
      out.push(table(['id', 'order', 'reason'], j.failures.slice(0, 50).map((f) => [f.id, f.order, f.reason])));
      if (j.failures.length > 50) out.push('', `… and ${j.failures.length - 50} more (see the review file).`);
    }
  }
  if (report.vqa) {
    const v = report.vqa;
    out.push('', '## VQA', '', 'Open: normalised word overlap (case, punctuation, articles, number words). Closed: yes/no on whole words.', '');
    out.push(table(['open n', 'recall', 'precision', 'F1', 'closed n', 'closed accuracy', 'ambiguous', 'no yes/no'], [[v.open.n, v.open.recall, v.open.precision, v.open.f1, v.closed.n, v.closed.accuracy, v.closed.ambiguous, v.closed.noVerdict]]));
  }
  if (report.scienceqa) {
    const s = report.scienceqa;
    const missingNote =
      s.missingRule === 'upstream'
        ? "Missing predictions are left out of the image subset, as LLaVA's eval_science_qa.py does (--missing-rule upstream)."
        : "A missing prediction for an image question also counts wrong in the image subset; LLaVA's eval_science_qa.py leaves it out of that subset (--missing-rule upstream reproduces it).";
    const parsingNote =
      s.parsing === 'upstream'
        ? "Answers parsed with LLaVA's exact pattern (--parsing upstream)."
        : "Answers parsed with the toolkit's rules (\"The answer is X\" with X standing alone; --parsing upstream applies LLaVA's exact pattern).";
    out.push('', '## ScienceQA', '', `Unparseable answers (FAILED), letters beyond the choices and missing predictions count as wrong. ${missingNote} ${parsingNote}`, '');
    out.push(table(['n', 'accuracy', 'image n', 'image accuracy', 'failed', 'out of range', 'missing'], [[s.overall.n, s.overall.accuracy, s.image.n, s.image.accuracy, s.failed, s.outOfRange, s.missing]]));
    const subjects = Object.entries(s.bySubject ?? {});
    if (subjects.length > 0) out.push('', table(['subject', 'n', 'accuracy'], subjects.map(([name, g]) => [name, g.n, g.accuracy])));
  }
  if (report.multipleChoice) {
    const m = report.multipleChoice;
    out.push('', '## Multiple choice (PMC-VQA letter cascade)', '');
    out.push(table(['n', 'accuracy', 'failed', 'out of range'], [[m.n, m.accuracy, m.failed, m.outOfRange]]));
  }
  return `${out.join('\n')}\n`;
}
