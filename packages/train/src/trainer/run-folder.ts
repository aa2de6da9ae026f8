import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { VlmError } from '@vlm/core';
import { CHECKPOINT_FILES } from '../checkpoint/checkpoint-meta';
import { readCheckpointMeta } from '../checkpoint/load-checkpoint';
import { stageCheckpointDir } from './train-stage';

/** What a run writes into its output folder (and `force` removes before a fresh run). */
export const RUN_OUTPUTS = ['checkpoints', 'metrics.jsonl', 'loss-curves.png'] as const;

/** True when `output` already holds (part of) a training run. */
export function holdsRun(output: string): boolean {
  return RUN_OUTPUTS.some((name) => existsSync(join(output, name)));
}

/** Where a run starts: {@link checkRunFolder}'s answer. */
export interface RunStart {
  /** With resume: the last stage that saved a checkpoint. */
  resumeStage?: number;
  /** A run is there and `force` replaces it: call {@link clearRun} once the new run is known to be startable. */
  replace: boolean;
}

/** Removes a previous run's files from an output folder (nothing else in it). */
export async function clearRun(output: string): Promise<void> {
  for (const name of RUN_OUTPUTS) await rm(join(output, name), { recursive: true, force: true });
}

/**
 * Decides where a run starts, never replacing one by accident. Without `resume`: an output folder that
 * already holds a run is an error unless `force`. With `resume`: the index of the last stage that
 * saved a checkpoint; a stage folder without a readable `checkpoint.json`, or no checkpoint at all, is
 * an error (a broken run is never restarted over). Changes nothing on disk.
 */
export async function checkRunFolder(output: string, stageNames: readonly string[], options: { resume?: boolean; force?: boolean }): Promise<RunStart> {
  if (options.resume && options.force) {
    throw new VlmError('option_conflict', 'resume and force exclude each other: resume continues the run in the output folder, force replaces it', {
      location: { file: output },
      hint: 'pass only one of --resume or --force',
    });
  }
  if (!options.resume) {
    if (!holdsRun(output)) return { replace: false };
    if (!options.force) {
      throw new VlmError('run_exists', `${output} already holds a training run; it is not overwritten`, {
        location: { file: output },
        hint: 'continue it with --resume, choose another output folder, or pass --force to replace it',
      });
    }
    return { replace: true };
  }
  let last: number | undefined;
  for (const [i, name] of stageNames.entries()) {
    const dir = stageCheckpointDir(output, i, name);
    if (!existsSync(dir)) continue;
    try {
      await readCheckpointMeta(dir);
    } catch (error) {
      const reason = error instanceof VlmError ? error.message : String(error);
      throw new VlmError('resume_broken', `cannot resume from ${dir}: ${reason}`, {
        location: { file: join(dir, CHECKPOINT_FILES.meta) },
        hint: 'restore that checkpoint folder, or start over without --resume and with --force (the run in that folder is replaced)',
        cause: error,
      });
    }
    last = i;
  }
  if (last === undefined) {
    throw new VlmError('resume_nothing', `nothing to resume in ${output}: no stage checkpoint (${join('checkpoints', '<index>-<stage>', CHECKPOINT_FILES.meta)}) was found`, {
      location: { file: output },
      hint: holdsRun(output) ? 'the run there never saved a checkpoint; start over with --force' : 'check the output folder of the config, or run without --resume',
    });
  }
  return { resumeStage: last, replace: false };
}
