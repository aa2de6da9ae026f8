import { z } from 'zod';
import { VlmError, type Rng } from '@vlm/core';
import { assembleMessages } from './assemble-messages';
import type { ChatContentPart, ChatMessage, FewShotExample } from './chat-message';
import { formatConversationText } from '../parse/format-conversation-text';
import type { QaPair, ResponseFormat } from '../parse/qa-pair';

/** Sampling settings a prompt recommends to its teacher. */
export interface GenerationDefaults {
  temperature: number;
  maxTokens?: number;
}

/** A shipped few-shot example: structured input (rendered like a query) plus the response. */
export interface ShippedExample {
  id: string;
  input: unknown;
  /** A paragraph or free-text response. */
  response?: string;
  /** A conversation response, written in the prompt's conversation format. */
  turns?: QaPair[];
}

/** Options of {@link TeacherPrompt.build}. */
export interface BuildPromptOptions {
  /** Few-shot examples to use instead of the shipped ones (e.g. from `loadLlavaFewShotFiles`). */
  examples?: readonly FewShotExample[];
  /** Keep at most this many examples (after shuffling when `rng` is given). */
  maxExamples?: number;
  /** Shuffle the examples with this generator (deterministic per seed). */
  rng?: Rng;
}

/** A ready request for a teacher: OpenAI chat messages plus what to record with the generated data. */
export interface TeacherRequest {
  promptId: string;
  promptVersion: string;
  messages: ChatMessage[];
  temperature: number;
  maxTokens?: number;
  responseFormat: ResponseFormat;
}

/** A teacher prompt kind: its id and version (recorded in generated data), input schema and builder. */
export interface TeacherPrompt<S extends z.ZodType> {
  readonly id: string;
  readonly version: string;
  readonly title: string;
  readonly inputSchema: S;
  readonly responseFormat: ResponseFormat;
  readonly generation: GenerationDefaults;
  /** The shipped few-shot examples, rendered. */
  readonly examples: readonly FewShotExample[];
  /** The system message for a given input. */
  system(input: z.output<S>): string;
  /** The user query for a given (validated) input. */
  renderQuery(input: z.output<S>): string | ChatContentPart[];
  /** Validates `input` (a `VlmError` names the bad field) and assembles the chat messages. */
  build(input: z.input<S>, options?: BuildPromptOptions): TeacherRequest;
}

/** What {@link defineTeacherPrompt} needs. */
export interface TeacherPromptSpec<S extends z.ZodType> {
  id: string;
  version: string;
  title: string;
  inputSchema: S;
  responseFormat: ResponseFormat;
  generation: GenerationDefaults;
  system: string | ((input: z.output<S>) => string);
  renderQuery(input: z.output<S>): string | ChatContentPart[];
  /** Few-shot examples in data form; their `input` goes through the same schema and renderer. */
  examples?: readonly ShippedExample[];
}

/** Validates a prompt input against a schema; a `VlmError` with the field path on failure. */
export function parsePromptInput<S extends z.ZodType>(promptId: string, schema: S, input: unknown, exampleId?: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join('.') || undefined;
  throw new VlmError('prompt_input_invalid', `Input of prompt ${promptId} is invalid: ${issue?.message ?? 'unknown problem'}`, {
    location: { field, id: exampleId },
    hint: `See the inputSchema of ${promptId} (exported next to the prompt) for the expected fields.`,
  });
}

function queryText(query: string | ChatContentPart[]): string {
  if (typeof query === 'string') return query;
  return query.map((p) => (p.type === 'text' ? p.text : '')).join('\n');
}

/**
 * The one builder behind every teacher prompt: validation, few-shot rendering and LLaVA's message
 * layout live here so the prompt kinds only say what differs (system text, query layout, examples).
 */
export function defineTeacherPrompt<S extends z.ZodType>(spec: TeacherPromptSpec<S>): TeacherPrompt<S> {
  const system = (input: z.output<S>) => (typeof spec.system === 'string' ? spec.system : spec.system(input));
  const examples: FewShotExample[] = (spec.examples ?? []).map((example) => {
    const input = parsePromptInput(spec.id, spec.inputSchema, example.input, example.id);
    let response = example.response;
    if (example.turns !== undefined) {
      if (spec.responseFormat === 'paragraph' || spec.responseFormat === 'free-text' || spec.responseFormat === 'judge-scores') {
        throw new VlmError('few_shot_invalid', `Example ${example.id} of ${spec.id} has turns but the prompt answers with ${spec.responseFormat}`, { location: { id: example.id } });
      }
      response = formatConversationText(spec.responseFormat, example.turns);
    }
    if (response === undefined) {
      throw new VlmError('few_shot_invalid', `Example ${example.id} of ${spec.id} has no response`, { location: { id: example.id }, hint: 'Give `response` (text) or `turns` (conversation).' });
    }
    return { id: example.id, context: queryText(spec.renderQuery(input)), response };
  });
  return {
    id: spec.id,
    version: spec.version,
    title: spec.title,
    inputSchema: spec.inputSchema,
    responseFormat: spec.responseFormat,
    generation: spec.generation,
    examples,
    system,
    renderQuery: spec.renderQuery,
    build(rawInput, options = {}) {
      const input = parsePromptInput(spec.id, spec.inputSchema, rawInput);
      let chosen: readonly FewShotExample[] = options.examples ?? examples;
      if (options.rng !== undefined) chosen = options.rng.shuffle(chosen);
      if (options.maxExamples !== undefined) chosen = chosen.slice(0, Math.max(0, options.maxExamples));
      return {
        promptId: spec.id,
        promptVersion: spec.version,
        messages: assembleMessages(system(input), chosen, spec.renderQuery(input)),
        temperature: spec.generation.temperature,
        maxTokens: spec.generation.maxTokens,
        responseFormat: spec.responseFormat,
      };
    },
  };
}
