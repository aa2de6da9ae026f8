import type { JudgeSummary } from '../judge/summarize-judge';
import type { ChoiceMetrics } from '../multiple-choice/score-multiple-choice';
import type { ScienceQaMetrics } from '../scienceqa/score-scienceqa';
import type { VqaMetrics } from '../vqa/score-vqa';
import type { BarChartSpec } from './bar-chart-svg';

/** The summary of an evaluation: whichever parts were run. Per-item details stay in their own files. */
export interface EvalReport {
  /** Name of the model under test, when known. */
  model?: string;
  judge?: JudgeSummary;
  vqa?: Omit<VqaMetrics, 'items'>;
  scienceqa?: Omit<ScienceQaMetrics, 'items'>;
  multipleChoice?: ChoiceMetrics;
}

/** Assembles a report, dropping per-item arrays so the report stays small. */
export function buildEvalReport(parts: {
  model?: string;
  judge?: JudgeSummary;
  vqa?: VqaMetrics;
  scienceqa?: ScienceQaMetrics;
  multipleChoice?: ChoiceMetrics;
}): EvalReport {
  const report: EvalReport = {};
  if (parts.model) report.model = parts.model;
  if (parts.judge) report.judge = parts.judge;
  if (parts.vqa) {
    const { items: _items, ...rest } = parts.vqa;
    report.vqa = rest;
  }
  if (parts.scienceqa) {
    const { items: _items, ...rest } = parts.scienceqa;
    report.scienceqa = rest;
  }
  if (parts.multipleChoice) report.multipleChoice = parts.multipleChoice;
  return report;
}

/**
 * The report's chart: the judge's relative scores per category and overall (both methods, as two
 * series), then VQA and ScienceQA percentages as single bars; series nothing measured are left out.
 */
export function reportChartSpec(report: EvalReport): BarChartSpec {
  const series = ['ratio of means (LLaVA, Quilt)', 'mean of ratios (LLaVA-Med)', 'accuracy / recall'];
  const groups: BarChartSpec['groups'] = [];
  const pass = report.judge?.passes.find((p) => p.order === 'reference-first');
  if (pass?.scores) {
    for (const [name, s] of Object.entries(pass.scores.categories)) groups.push({ label: name, values: [s.ratioOfMeans, s.meanOfRatios, null] });
    groups.push({ label: 'judge: all', values: [pass.scores.overall.ratioOfMeans, pass.scores.overall.meanOfRatios, null] });
  }
  if (report.vqa?.open.n) groups.push({ label: 'VQA open recall', values: [null, null, report.vqa.open.recall] });
  if (report.vqa?.closed.n) groups.push({ label: 'VQA closed acc', values: [null, null, report.vqa.closed.accuracy] });
  if (report.scienceqa) {
    groups.push({ label: 'ScienceQA', values: [null, null, report.scienceqa.overall.accuracy] });
    if (report.scienceqa.image.n) groups.push({ label: 'ScienceQA img', values: [null, null, report.scienceqa.image.accuracy] });
  }
  if (report.multipleChoice) groups.push({ label: 'Multiple choice', values: [null, null, report.multipleChoice.accuracy] });
  // Only the series some group measured: a VQA-only report has one legend entry, not three.
  const kept = series.flatMap((_, si) => (groups.some((g) => g.values[si] !== null) ? [si] : []));
  return {
    title: `Evaluation${report.model ? `: ${report.model}` : ''}`,
    series: kept.map((si) => series[si]!),
    groups: groups.map((g) => ({ label: g.label, values: kept.map((si) => g.values[si]!) })),
    yLabel: 'score (%)',
  };
}
