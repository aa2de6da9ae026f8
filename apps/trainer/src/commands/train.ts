import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { VlmError } from '@vlm/core';
import { cliUsageError, defineCommand, intOption } from '@vlm/core/node';
import { selectBackend } from '@vlm/connectors';
import { parseTrainConfig } from '@vlm/train';
import { runTraining } from '@vlm/train/node';
import { parse as parseYaml } from 'yaml';
import { catchInterrupts } from './interrupt-signals';
import { processIo, type Command } from './io';
import { progressWriter } from './progress-writer';
import { shellWord } from './shell-word';

const USAGE = `usage: vlm-train train --config <file.yaml|file.json> [--resume | --force] [--checkpoint-every n]
  Validates the config (every error names its path) and runs every stage: checkpoints, metrics.jsonl,
  loss curves and the stage-1 connector in the upstream mm_projector layout.
  --config <file>   the run config, YAML or JSON (paths in it are relative to its folder)
  Every stage's template, data and images (present and decodable) are checked before the first step.
  Ctrl-C (or SIGTERM) finishes the step under way, saves a checkpoint, prints the command that resumes
  and exits 130 (143); a second Ctrl-C quits at once.
  --config <file>         the run config, YAML or JSON (paths in it are relative to its folder)
  --resume                continue from the run's last checkpoint
  --force                 replace a run already in the output folder (otherwise it is an error)
  --checkpoint-every <n>  save a checkpoint every n steps (default 100, or a stage's checkpointEvery)`;

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

/**
 * `vlm-train train --config run.yaml`: validates the config (errors with their path) and every stage's
 * data before the first step, then runs every stage. An existing run is only replaced with `--force`.
 * Ctrl-C (SIGINT) or SIGTERM finishes the step under way, saves a checkpoint, prints the command that
 * resumes, and exits 130 (143 for SIGTERM); a second signal quits at once.
 */
export const trainCommand: Command = defineCommand(
  {
    summary: 'two-stage training from a YAML/JSON config',
    usage: USAGE,
    options: { config: { type: 'string' }, resume: { type: 'boolean' }, force: { type: 'boolean' }, 'checkpoint-every': { type: 'string' } },
    io: processIo,
  },
  async ({ values }, io) => {
    if (!values.config) throw cliUsageError('train needs --config <file.yaml|file.json>.', { field: '--config' });
    const checkpointEvery = intOption(values['checkpoint-every'], 'checkpoint-every', { min: 1 });
    const config = parseTrainConfig(await readConfigFile(values.config), values.config);
    await selectBackend({ log: io.err });
    const progress = progressWriter(io);
    const interrupts = catchInterrupts(io, () => progress.done());
    let result;
    try {
      result = await runTraining(config, {
        baseDir: dirname(values.config),
        resume: values.resume,
        force: values.force,
        checkpointEvery,
        signal: interrupts.signal,
        log: (line) => {
          progress.done();
          io.out(line);
        },
        progress: progress.update,
      });
    } finally {
      interrupts.dispose();
    }
    progress.done();
    const stopped = result.interrupted;
    if (stopped) {
      if (stopped.checkpoint) {
        io.out(`interrupted: stage ${stopped.stageIndex} ${stopped.stage} stopped at step ${stopped.step}/${stopped.totalSteps}; checkpoint saved to ${stopped.checkpoint}`);
        io.out(`resume with: npx vlm-train train --config ${shellWord(values.config)} --resume`);
      } else io.out('interrupted before the first step; nothing was trained');
      return interrupts.exitCode;
    }
    io.out(`checkpoints: ${result.stages.map((s) => s.checkpoint).join(', ')}`);
    for (const f of result.connectorExports) io.out(`connector (mm_projector layout): ${f}`);
    io.out(`loss curves: ${result.lossCurvePng}`);
    return 0;
  },
);
