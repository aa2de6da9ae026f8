import { VlmError } from '@vlm/core';

import { loadCocoAnnotations } from '../coco/load-coco';
import type { AcceptOutcome } from '../generation/run-generation';
import type { TeacherResponse } from '../teacher/types';
import { createPromptAccepter, llavaInstructKinds, llavaInstructTasks, type LlavaInstructKind, type PromptTask } from './llava-instruct';
import { llavaMedTasks, readFigureCaptions } from './llava-med';

/** A teacher job described by its input files (what the CLI's flags say). */
export type TeacherJobSpec =
  | { job: 'llava'; captions: string; instances?: string; kinds?: readonly LlavaInstructKind[]; limit?: number; maxExamples?: number; maxTokens?: number; seed?: number }
  | { job: 'llava-med'; input: string; includeMentions?: boolean; limit?: number; maxExamples?: number; maxTokens?: number; seed?: number };

/** A ready job: its tasks (re-iterable), their number, and how answers become records. */
export interface TeacherJob {
  name: string;
  total: number;
  tasks(): Iterable<PromptTask>;
  accept(task: PromptTask, response: TeacherResponse): AcceptOutcome;
}

/** The names of the teacher jobs. */
export const teacherJobNames = ['llava', 'llava-med'] as const;

/** Loads a job's inputs and prepares its tasks (LLaVA-Instruct from COCO files, or LLaVA-Med from figure captions). */
export function createTeacherJob(spec: TeacherJobSpec): TeacherJob {
  const accept = createPromptAccepter({ seed: spec.seed });
  if (spec.job === 'llava') {
    const kinds = spec.kinds ?? llavaInstructKinds;
    for (const kind of kinds) {
      if (!llavaInstructKinds.includes(kind)) {
        throw new VlmError('job_kind_unknown', `Unknown LLaVA kind ${JSON.stringify(kind)}.`, { hint: `Use ${llavaInstructKinds.join(', ')}.` });
      }
    }
    const images = loadCocoAnnotations(spec.instances, spec.captions).slice(0, spec.limit);
    return { name: 'llava', total: images.length * kinds.length, tasks: () => llavaInstructTasks(images, { kinds, maxExamples: spec.maxExamples, maxTokens: spec.maxTokens }), accept };
  }
  const figures = readFigureCaptions(spec.input).slice(0, spec.limit);
  return {
    name: 'llava-med',
    total: figures.length,
    tasks: () => llavaMedTasks(figures, { includeMentions: spec.includeMentions, maxExamples: spec.maxExamples, maxTokens: spec.maxTokens }),
    accept,
  };
}
