import { IMAGE_TOKEN } from '../constants';
import { VlmError } from '../errors/vlm-error';
import { createRng, type Rng } from '../random/rng';
import type { LlavaTurn } from '../schema/llava-record';
import { getTemplate } from '../templates/registry';
import { stopStringOf, type TemplateSpec, type TemplateSpecInput } from '../templates/template-spec';
import { assemble, type AssemblyMessage } from './assemble';
import { countImages, placeImages, type ImagePlacement } from './image-placement';
import type { TextSpan } from './spans';

/** The part of a LLaVA record that formatting reads. */
export interface ConversationRecord {
  id?: string | number;
  image?: string | string[];
  conversations: readonly LlavaTurn[];
}

/** Options of `formatConversation`. */
export interface FormatOptions {
  /** Template name from the registry (default `vicuna_v1`) or a spec. */
  template?: string | TemplateSpec | TemplateSpecInput;
  /** Where `<image>` goes in the turn that holds it (default `front`, as upstream training does). */
  imagePlacement?: ImagePlacement;
  /** Seed for `random` placement; each record draws from its own stream forked by id. */
  seed?: number | string;
  /** Explicit generator for `random` placement (wins over `seed`). */
  rng?: Rng;
  /** Wrap each image as `<im_start><image><im_end>`. */
  mmUseImStartEnd?: boolean;
  /** Drop a final answer and end the text with the assistant's role tag, for inference. */
  generation?: boolean;
  /** Row index, for error messages. */
  row?: number;
}

/** A formatted prompt: the text, spans covering it, and what a tokenizer needs to know. */
export interface FormattedConversation {
  text: string;
  spans: TextSpan[];
  template: TemplateSpec;
  /** The string each answer ends with (trained). */
  stopString: string;
  recordId?: string;
  row?: number;
  /** Image paths in placeholder order. */
  images: string[];
  generation: boolean;
}

// `front` and `keep` never draw, so they share one generator instead of deriving a stream per record.
const UNUSED_RNG = createRng(0);

function recordImagesOf(record: ConversationRecord): string[] {
  if (record.image === undefined) return [];
  return Array.isArray(record.image) ? [...record.image] : [record.image];
}

/**
 * Formats one LLaVA record with a conversation template. Returns the prompt and, for every character
 * range, its role and whether it is trained (each answer and its stop string are; the system message,
 * user turns and role tags are not).
 */
export function formatConversation(record: ConversationRecord, options: FormatOptions = {}): FormattedConversation {
  const spec = getTemplate(options.template ?? 'vicuna_v1');
  const recordId = record.id === undefined ? undefined : String(record.id);
  const where = () => ({ row: options.row, id: recordId });
  const placement = options.imagePlacement ?? 'front';
  // Only `random` placement draws; the per-record stream is derived on first use, so the other
  // placements do not pay for hashing the id.
  let rng = options.rng;
  const recordRng = (): Rng => (rng ??= createRng(options.seed ?? 0).fork(recordId ?? String(options.row ?? 0)));

  let system = spec.system;
  let systemTurn = -1;
  const messages: AssemblyMessage[] = [];
  // `<image>` placeholders in the messages as placed (answers hold none: that is an error below)
  let placeholders = 0;
  const turns = record.conversations;
  for (let index = 0; index < turns.length; index++) {
    const turn = turns[index]!;
    if (turn.from === 'system') {
      if (index !== 0) {
        throw new VlmError('roles_out_of_order', 'A system turn may only come first.', {
          location: { ...where(), field: `conversations[${index}].from` },
          hint: 'Move the system message to conversations[0] or drop it.',
        });
      }
      system = turn.value;
      systemTurn = index;
      continue;
    }
    const role = turn.from === 'human' ? 'user' : 'assistant';
    const expected = messages.length % 2 === 0 ? 'user' : 'assistant';
    if (role !== expected) {
      throw new VlmError('roles_out_of_order', `Expected a ${expected === 'user' ? 'human' : 'gpt'} turn, got "${turn.from}".`, {
        location: { ...where(), field: `conversations[${index}].from` },
        hint: 'Conversations alternate human, gpt, human, gpt ... and start with human.',
      });
    }
    if (role === 'assistant') {
      if (turn.value.includes(IMAGE_TOKEN)) {
        // Counting placeholders alone would accept it and train an image inside the answer.
        throw new VlmError('image_in_answer', 'An <image> placeholder is inside an answer.', {
          location: { ...where(), field: `conversations[${index}].value` },
          hint: 'Images belong in the first human turn; remove <image> from the gpt turn.',
        });
      }
      messages.push({ role, value: turn.value, turn: index });
      continue;
    }
    // A question without `<image>` is placed as written; one with it is counted as placed.
    let value = turn.value;
    if (value.includes(IMAGE_TOKEN)) {
      value = placeImages(value, placement, placement === 'random' ? recordRng() : UNUSED_RNG);
      placeholders += countImages(value);
    }
    messages.push({ role, value, turn: index });
  }
  if (messages.length === 0) {
    throw new VlmError('conversation_empty', 'The record has no human or gpt turn.', { location: { ...where(), field: 'conversations' } });
  }

  const generation = options.generation ?? false;
  // the dropped final answer holds no placeholder
  if (generation && messages[messages.length - 1]!.role === 'assistant') messages.pop();

  const images = recordImagesOf(record);
  if (placeholders !== images.length) {
    throw new VlmError('image_count_mismatch', `The record has ${images.length} image(s) but ${placeholders} <image> placeholder(s).`, {
      location: { ...where(), field: 'conversations' },
      hint: 'Write one <image> per image, in the first human turn; text-only records have neither.',
    });
  }

  const built = assemble({ spec, system, systemTurn, messages, generation, mmUseImStartEnd: options.mmUseImStartEnd ?? false });
  return {
    text: built.text,
    spans: built.spans,
    template: spec,
    stopString: stopStringOf(spec),
    recordId,
    row: options.row,
    images,
    generation,
  };
}

/** The trained substrings of a formatted prompt, in order (answers and stop strings). */
export function trainedText(formatted: FormattedConversation): string[] {
  return formatted.spans.filter((s) => s.trained).map((s) => formatted.text.slice(s.start, s.end));
}
