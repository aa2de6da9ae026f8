import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { VlmError } from '@vlm/core';
import { cliUsageError, defineCommand } from '@vlm/core/node';
import { selectBackend } from '@vlm/connectors';
import { parseTrainConfig } from '@vlm/train';
import { runTraining } from '@vlm/train/node';
import { parse as parseYaml } from 'yaml';
import { processIo, type Command } from './io';
import { progressWriter } from './progress-writer';

const USAGE = `usage: vlm-train train --config <file.yaml|file.json> [--resume]
  Validates the config (every error names its path) and runs every stage: checkpoints, metrics.jsonl,
  loss curves and the stage-1 connector in the upstream mm_projector layout.
  --config <file>   the run config, YAML or JSON (paths in it are relative to its folder)
  --resume          continue from the run's last checkpoint`;

/** Reads a YAML or JSON config file (by extension; YAML also reads JSON). */
export async function readConfigFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new VlmError('file_unreadable', `Cannot read ${file}.`, { location: { file }, cause, hint: 'Check the path.' });
  }
  try {
    return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    throw new VlmError('config_syntax', `${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(cause as Error).message}`, { location: { file }, cause });
  }
}

/** `vlm-train train --config run.yaml`: validates the config (errors with their path) and runs every stage. */
export const trainCommand: Command = defineCommand(
  {
    summary: 'two-stage training from a YAML/JSON config',
    usage: USAGE,
    options: { config: { type: 'string' }, resume: { type: 'boolean' } },
    io: processIo,
  },
  async ({ values }, io) => {
    if (!values.config) throw cliUsageError('train needs --config <file.yaml|file.json>.', { field: '--config' });
    const config = parseTrainConfig(await readConfigFile(values.config), values.config);
    await selectBackend({ log: io.err });
    const progress = progressWriter(io);
    const result = await runTraining(config, {
      baseDir: dirname(values.config),
      resume: values.resume,
      log: (line) => {
        progress.done();
        io.out(line);
      },
      progress: progress.update,
    });
    progress.done();
    io.out(`checkpoints: ${result.stages.map((s) => s.checkpoint).join(', ')}`);
    for (const f of result.connectorExports) io.out(`connector (mm_projector layout): ${f}`);
    io.out(`loss curves: ${result.lossCurvePng}`);
    return 0;
  },
);
