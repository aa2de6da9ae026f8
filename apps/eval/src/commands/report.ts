import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VlmError } from '@vlm/core';
import { barChartSvg, buildEvalReport, judgeRecordSchema, readJsonl, reportChartSpec, reportMarkdown, summarizeJudge, svgToPng, type ChoiceMetrics, type ScienceQaMetrics, type VqaMetrics } from '@vlm/eval';
import { readJsonFile, required } from './args';
import { choiceOption, defineCommand } from '@vlm/core/node';

const USAGE = `usage: vlm-eval report --out-dir DIR [--judge reviews.jsonl] [--vqa vqa.json] [--scienceqa scienceqa.json] [--model NAME]
                       [--rounding exact|upstream]
  Writes DIR/report.json, DIR/report.md (tables) and DIR/report.png (bar chart) from whichever results are given.
  --rounding upstream: the judge's ratio of means from both means rounded to 3 decimals, as LLaVA prints it
  (labelled in the report); default exact.`;

function section<T>(file: string, key: string): T {
  const data = readJsonFile(file) as Record<string, unknown> | null;
  const value = data?.[key];
  if (value === undefined) throw new VlmError('report_bad_input', `${file} has no "${key}" section.`, { location: { file }, hint: `Pass the file written by \`vlm-eval ${key === 'multipleChoice' ? 'vqa --multiple-choice' : key === 'vqa' ? 'vqa' : 'scienceqa score'}\`.` });
  return value as T;
}

/** `vlm-eval report`: JSON, Markdown table and PNG bar chart. */
export const reportCommand = defineCommand(
  {
    summary: 'JSON, Markdown and PNG report from the judge, VQA and ScienceQA results',
    usage: USAGE,
    options: {
      'out-dir': { type: 'string' },
      judge: { type: 'string' },
      vqa: { type: 'string' },
      scienceqa: { type: 'string' },
      model: { type: 'string' },
      rounding: { type: 'string' },
    },
  },
  async ({ values }) => {
    const outDir = required('report', values['out-dir'], 'out-dir', USAGE);
    const rounding = choiceOption(values.rounding, 'rounding', ['exact', 'upstream']);
    if (!values.judge && !values.vqa && !values.scienceqa) throw new VlmError('cli_usage', 'report: give at least one of --judge, --vqa, --scienceqa.', { hint: USAGE });
    let vqa: VqaMetrics | undefined;
    let multipleChoice: ChoiceMetrics | undefined;
    if (values.vqa) {
      const data = readJsonFile(values.vqa) as Record<string, unknown> | null;
      if (data && 'multipleChoice' in data) multipleChoice = section<ChoiceMetrics>(values.vqa, 'multipleChoice');
      else vqa = section<VqaMetrics>(values.vqa, 'vqa');
    }
    const report = buildEvalReport({
      ...(values.model ? { model: values.model } : {}),
      ...(values.judge ? { judge: summarizeJudge(readJsonl(values.judge, judgeRecordSchema), { rounding }) } : {}),
      ...(vqa ? { vqa } : {}),
      ...(multipleChoice ? { multipleChoice } : {}),
      ...(values.scienceqa ? { scienceqa: section<ScienceQaMetrics>(values.scienceqa, 'scienceqa') } : {}),
    });
    mkdirSync(outDir, { recursive: true });
    const files = { json: join(outDir, 'report.json'), markdown: join(outDir, 'report.md'), chart: join(outDir, 'report.png') };
    writeFileSync(files.json, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(files.markdown, reportMarkdown(report));
    writeFileSync(files.chart, await svgToPng(barChartSvg(reportChartSpec(report))));
    console.log(JSON.stringify(files));
    return 0;
  },
);
