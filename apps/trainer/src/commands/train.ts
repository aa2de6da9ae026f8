import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { VlmError } from '@vlm/core';
import { selectBackend } from '@vlm/connectors';
import { parseTrainConfig } from '@vlm/train';
import { runTraining } from '@vlm/train/node';
import { parse as parseYaml } from 'yaml';
import { processIo, type Command } from './io';
import { progressWriter } from './progress-writer';

const USAGE = 'usage: vlm-train train --config file.yaml|file.json [--resume]';

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
export const trainCommand: Command = async (args, io = processIo) => {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, resume: { type: 'boolean' } } });
  if (!values.config) {
    io.err(USAGE);
    return 2;
  }
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
};
