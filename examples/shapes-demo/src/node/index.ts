// The shapes demo end to end on disk: world files, both training stages, checkpoint and report.

/** Runs the demo: synthetic shapes -> two-stage training -> held-out accuracy report. */
export { runTrainingDemo, DEMO_OUTPUTS, type TrainingDemoOptions, type TrainingDemoResult } from '../run-training-demo';
/** Writes the scenes of the demo world as PNG files with their captions. */
export { buildWorld, type DemoWorld, type WorldOptions } from '../world';
/** The report in the terminal and as an HTML page. */
export { accuracyTable, loraComparisonTable, terminalReport, htmlReport, type DemoReportInput, type LoraComparisonRow } from '../report';
/** The connector shoot-out: one model per connector on shared pretrained towers, one table. */
export { runConnectorShootout, SHOOTOUT_OUTPUTS, type ConnectorShootoutOptions, type ConnectorShootoutResult } from '../run-connector-shootout';
export { shootoutTable, shootoutMarkdown, shootoutHtml, shootoutCells, type ShootoutRow, type ShootoutReportInput } from '../shootout-report';
