/** LLaVA-Instruct jobs (conversation, detail, complex reasoning) from annotated images. */
export {
  llavaInstructTasks,
  llavaInstructKinds,
  createPromptAccepter,
  taskFromRequest,
  type LlavaInstructKind,
  type LlavaInstructTaskOptions,
  type PromptTask,
  type AccepterOptions,
} from './llava-instruct';
/** LLaVA-Med conversation jobs from figure captions (with optional inline mentions). */
export { llavaMedTasks, readFigureCaptions, type FigureCaption } from './llava-med';
/** Duplicate-question removal. */
export { dedupeQuestions, normaliseQuestion } from './question-dedup';
/** Jobs described by input files (what the CLI builds): tasks, total and accepter. */
export { createTeacherJob, teacherJobNames, type TeacherJob, type TeacherJobSpec } from './teacher-job';
