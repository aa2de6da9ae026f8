import { createRng, VlmError } from '@vlm/core';
import {
  descriptionToLlavaConversation,
  detailedDescriptionQuestions,
  llavaComplexReasoningPrompt,
  llavaConversationPrompt,
  llavaDetailedDescriptionPrompt,
  parseConversation,
  parseDescription,
  sampleQuestion,
  toLlavaConversation,
  type ConversationFormat,
  type ImagePlacement,
  type ResponseFormat,
  type TeacherRequest,
} from '@vlm/prompts';

import type { AnnotatedImage } from '../coco/load-coco';
import type { AcceptOutcome, GenerationTask } from '../generation/run-generation';
import type { TeacherResponse } from '../teacher/types';
import { dedupeQuestions } from './question-dedup';

/** The three kinds of LLaVA-Instruct data. */
export type LlavaInstructKind = 'conversation' | 'detail' | 'complex';

/** The kinds, in LLaVA's order. */
export const llavaInstructKinds: readonly LlavaInstructKind[] = ['conversation', 'detail', 'complex'];

const promptOf = {
  conversation: llavaConversationPrompt,
  detail: llavaDetailedDescriptionPrompt,
  complex: llavaComplexReasoningPrompt,
} as const;

/** A teacher task of a prompt-driven job: the request plus what the output record needs. */
export interface PromptTask extends GenerationTask {
  /** The record id (also the task id's prefix). */
  recordId: string;
  /** Image path of the record (absent for text-only records). */
  image?: string;
  promptId: string;
  promptVersion: string;
  responseFormat: ResponseFormat;
  /** Extra fields copied into the output record (e.g. `source`). */
  extra?: Record<string, unknown>;
}

/** Options of {@link llavaInstructTasks}. */
export interface LlavaInstructTaskOptions {
  kinds?: readonly LlavaInstructKind[];
  /** Use at most this many few-shot examples (default: all shipped). */
  maxExamples?: number;
  /** Overrides the prompts' max_tokens. */
  maxTokens?: number;
}

/** Turns a built prompt into a task. */
export function taskFromRequest(taskId: string, recordId: string, request: TeacherRequest, image: string | undefined, maxTokens?: number): PromptTask {
  const limit = maxTokens ?? request.maxTokens;
  return {
    id: taskId,
    recordId,
    image,
    messages: request.messages,
    params: { temperature: request.temperature, ...(limit !== undefined ? { max_tokens: limit } : {}) },
    promptId: request.promptId,
    promptVersion: request.promptVersion,
    responseFormat: request.responseFormat,
  };
}

/**
 * The teacher tasks of LLaVA-Instruct generation: per image and kind, the prompt built from its
 * captions and boxes (the symbolic image). Task ids are `<image id>-<kind>`, record ids the same.
 */
export function* llavaInstructTasks(images: Iterable<AnnotatedImage>, options: LlavaInstructTaskOptions = {}): Generator<PromptTask> {
  const kinds = options.kinds ?? llavaInstructKinds;
  for (const image of images) {
    for (const kind of kinds) {
      const request = promptOf[kind].build(
        { captions: image.captions, objects: image.objects, boxFormat: 'coco', imageSize: { width: image.width, height: image.height } },
        { maxExamples: options.maxExamples },
      );
      const id = `${image.id}-${kind}`;
      yield { ...taskFromRequest(id, id, request, image.fileName, options.maxTokens), extra: { kind } };
    }
  }
}

/** Options of {@link createPromptAccepter}. */
export interface AccepterOptions {
  /** Seed of image placement and description-question draws (one sub-stream per task). */
  seed?: number;
  placement?: ImagePlacement;
  /** Questions a description is paired with (default: the sixteen detailed-description ones). */
  descriptionQuestions?: readonly string[];
  /** Fewer pairs than this after filtering rejects the answer (default 1). */
  minPairs?: number;
}

function isConversation(format: ResponseFormat): format is ConversationFormat {
  return format === 'question-answer-blocks' || format === 'user-assistant' || format === 'quilt-user-gpt';
}

/**
 * Parses and filters an answer with @vlm/prompts into one LLaVA record, recording the prompt id and
 * version and the teacher model; duplicate questions within a conversation are removed. A truncated
 * answer (finish_reason `length`) of any kind is rejected as `truncated` (`runGeneration` does so too,
 * before any accepter runs).
 */
export function createPromptAccepter(options: AccepterOptions = {}): (task: PromptTask, response: TeacherResponse) => AcceptOutcome {
  const root = createRng(options.seed ?? 0);
  const placement = options.placement ?? (undefined as ImagePlacement | undefined);
  return (task, response) => {
    const rng = root.fork(task.id);
    const side: ImagePlacement = task.image === undefined ? 'none' : (placement ?? 'random');
    let pairs: Array<{ question: string; answer: string }>;
    let dropped: unknown[] = [];
    if (isConversation(task.responseFormat)) {
      const parsed = parseConversation(task.responseFormat, response.content, { finishReason: response.finishReason });
      if (!parsed.ok) return { ok: false, reason: parsed.reason, message: parsed.message, details: parsed.dropped };
      const unique = dedupeQuestions(parsed.value);
      pairs = unique.kept;
      dropped = [...parsed.dropped, ...unique.removed.map((p) => ({ reason: 'duplicate_question', question: p.question }))];
    } else if (task.responseFormat === 'paragraph') {
      if (response.finishReason === 'length') return { ok: false, reason: 'truncated', message: 'The description was cut off at max_tokens.' };
      const parsed = parseDescription(response.content);
      if (!parsed.ok) return { ok: false, reason: parsed.reason, message: parsed.message };
      pairs = [{ question: sampleQuestion(options.descriptionQuestions ?? detailedDescriptionQuestions, rng), answer: parsed.value }];
    } else {
      throw new VlmError('response_format_unsupported', `Prompt ${task.promptId} answers with ${task.responseFormat}, which this job cannot turn into records.`);
    }
    if (pairs.length < (options.minPairs ?? 1)) return { ok: false, reason: 'too_few_pairs', message: `${pairs.length} pair(s) left after filtering.`, details: dropped };
    const conversations = task.responseFormat === 'paragraph'
      ? descriptionToLlavaConversation(pairs[0]!.question, pairs[0]!.answer, { placement: side, rng })
      : toLlavaConversation(pairs, { placement: side, rng });
    const record: Record<string, unknown> = {
      id: task.recordId,
      ...(task.image !== undefined ? { image: task.image } : {}),
      conversations,
      ...task.extra,
      prompt_id: task.promptId,
      prompt_version: task.promptVersion,
      teacher_model: response.model,
    };
    return { ok: true, records: [record], notes: dropped.length > 0 ? { dropped } : undefined };
  };
}
