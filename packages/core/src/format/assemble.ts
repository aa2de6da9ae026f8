import { IMAGE_END_TOKEN, IMAGE_START_TOKEN, IMAGE_TOKEN } from '../constants';
import type { TemplateSpec } from '../templates/template-spec';
import { SpanBuilder, type SpanRole } from './spans';

/** One message after role checks and image placement. */
export interface AssemblyMessage {
  role: 'user' | 'assistant';
  value: string;
  turn: number;
}

export interface AssemblyInput {
  spec: TemplateSpec;
  system: string;
  systemTurn: number;
  messages: AssemblyMessage[];
  /** Open an assistant slot at the end (inference). */
  generation: boolean;
  mmUseImStartEnd: boolean;
}

/**
 * Writes `head + value + tail` as message text, turning every `<image>` in `value` into its own untrained
 * `image` span (`head` and `tail` hold none). The same spans as splitting the concatenation at each
 * `<image>`, without building it.
 */
function pushContent(b: SpanBuilder, head: string, value: string, tail: string, role: SpanRole, trained: boolean, turn: number, wrap: boolean): void {
  let at = value.indexOf(IMAGE_TOKEN);
  if (at === -1) {
    b.pushJoined(head, value, tail, role, 'text', trained, turn);
    return;
  }
  let from = 0;
  let before = head;
  do {
    b.pushJoined(before, value.slice(from, at), '', role, 'text', trained, turn);
    b.push(wrap ? WRAPPED_IMAGE : IMAGE_TOKEN, role, 'image', false, turn);
    before = '';
    from = at + IMAGE_TOKEN.length;
    at = value.indexOf(IMAGE_TOKEN, from);
  } while (at !== -1);
  b.pushJoined('', value.slice(from), tail, role, 'text', trained, turn);
}

const WRAPPED_IMAGE = IMAGE_START_TOKEN + IMAGE_TOKEN + IMAGE_END_TOKEN;

/** Strings a template writes in every record, derived from its spec once. */
interface SpecStrings {
  /** The spec fields they were derived from (a spec object changed since gets fresh strings). */
  systemFormat: string;
  user: string;
  assistant: string;
  sep: string;
  turnSuffix: string;
  /** `systemFormat` split at `{system}`. */
  systemParts: string[];
  /** `user: ` and `assistant:` (the single and two styles). */
  userColon: string;
  assistantColon: string;
  /** `sep + turnSuffix` (the mpt style). */
  sepSuffix: string;
}
const specStrings = new WeakMap<TemplateSpec, SpecStrings>();

function stringsOf(spec: TemplateSpec): SpecStrings {
  const known = specStrings.get(spec);
  if (
    known !== undefined &&
    known.systemFormat === spec.systemFormat &&
    known.user === spec.roles.user &&
    known.assistant === spec.roles.assistant &&
    known.sep === spec.sep &&
    known.turnSuffix === spec.turnSuffix
  ) {
    return known;
  }
  const strings: SpecStrings = {
    systemFormat: spec.systemFormat,
    user: spec.roles.user,
    assistant: spec.roles.assistant,
    sep: spec.sep,
    turnSuffix: spec.turnSuffix,
    systemParts: spec.systemFormat.split('{system}'),
    userColon: `${spec.roles.user}: `,
    assistantColon: `${spec.roles.assistant}:`,
    sepSuffix: spec.sep + spec.turnSuffix,
  };
  specStrings.set(spec, strings);
  return strings;
}

// The system message is text like any message (a `</s>` or `<|im_end|>` in it stays text, as in questions
// and answers); only the template's frame around it (`<|im_start|>system\n`, `<<SYS>>\n`) is template text.
function pushSystem(b: SpanBuilder, spec: TemplateSpec, system: string, turn: number): void {
  const [before, ...after] = stringsOf(spec).systemParts;
  b.push(before!, 'system', 'tag', false, turn);
  for (const piece of after) {
    b.push(system, 'system', 'system', false, turn);
    b.push(piece, 'system', 'tag', false, turn);
  }
}

// SINGLE and TWO are the same `Role: message<stop>` layout; they differ only in what ends an assistant
// turn (SINGLE: sep, TWO: sep2).
function roleColon(b: SpanBuilder, x: AssemblyInput, assistantStop: string): void {
  const { spec } = x;
  const strings = stringsOf(spec);
  pushSystem(b, spec, x.system, x.systemTurn);
  b.push(spec.sep, 'system', 'separator', false, x.systemTurn);
  for (const m of x.messages) {
    if (m.role === 'user') {
      b.push(strings.userColon, 'user', 'tag', false, m.turn);
      pushContent(b, '', m.value, '', 'user', false, m.turn, x.mmUseImStartEnd);
      b.push(spec.sep, 'user', 'separator', false, m.turn);
    } else {
      b.push(strings.assistantColon, 'assistant', 'tag', false, m.turn);
      pushContent(b, ' ', m.value, '', 'assistant', true, m.turn, x.mmUseImStartEnd);
      b.push(assistantStop, 'assistant', 'stop', true, m.turn);
    }
  }
  if (x.generation) b.push(strings.assistantColon, 'assistant', 'tag', false, -1);
}

function single(b: SpanBuilder, x: AssemblyInput): void {
  roleColon(b, x, x.spec.sep);
}

function two(b: SpanBuilder, x: AssemblyInput): void {
  roleColon(b, x, x.spec.sep2 ?? x.spec.sep);
}

function mpt(b: SpanBuilder, x: AssemblyInput): void {
  const { spec } = x;
  const { sepSuffix } = stringsOf(spec);
  pushSystem(b, spec, x.system, x.systemTurn);
  b.push(sepSuffix, 'system', 'separator', false, x.systemTurn);
  for (const m of x.messages) {
    if (m.role === 'user') {
      b.push(spec.roles.user, 'user', 'tag', false, m.turn);
      pushContent(b, '', m.value, '', 'user', false, m.turn, x.mmUseImStartEnd);
      b.push(sepSuffix, 'user', 'separator', false, m.turn);
    } else {
      b.push(spec.roles.assistant, 'assistant', 'tag', false, m.turn);
      pushContent(b, '', m.value, '', 'assistant', true, m.turn, x.mmUseImStartEnd);
      b.push(spec.sep, 'assistant', 'stop', true, m.turn);
      b.push(spec.turnSuffix, 'assistant', 'separator', false, m.turn);
    }
  }
  if (x.generation) b.push(spec.roles.assistant, 'assistant', 'tag', false, -1);
}

// Upstream strips a leading `sep` from the whole prompt (`ret.lstrip(sep)`), so the first user turn has none.
function llama2(b: SpanBuilder, x: AssemblyInput): void {
  const { spec } = x;
  const sep2 = spec.sep2 ?? '';
  let first = true;
  for (const m of x.messages) {
    if (m.role === 'user') {
      if (!first) b.push(spec.sep, 'user', 'separator', false, m.turn);
      b.push('[INST] ', 'user', 'tag', false, m.turn);
      if (first && x.system.length > 0) pushSystem(b, spec, x.system, x.systemTurn);
      pushContent(b, '', m.value, '', 'user', false, m.turn, x.mmUseImStartEnd);
      b.push(' [/INST]', 'user', 'tag', false, m.turn);
    } else {
      pushContent(b, ' ', m.value, ' ', 'assistant', true, m.turn, x.mmUseImStartEnd);
      b.push(sep2, 'assistant', 'stop', true, m.turn);
    }
    first = false;
  }
}

// Stage-1 pretraining: the question is thrown away, only its image placeholders stay in front.
function plain(b: SpanBuilder, x: AssemblyInput): void {
  const { spec } = x;
  for (const m of x.messages) {
    if (m.role !== 'user') continue;
    const n = m.value.split(IMAGE_TOKEN).length - 1;
    for (let i = 0; i < n; i++) pushContent(b, '', IMAGE_TOKEN, '', 'user', false, m.turn, x.mmUseImStartEnd);
  }
  for (const m of x.messages) {
    if (m.role !== 'assistant') continue;
    pushContent(b, '', m.value, '', 'assistant', true, m.turn, x.mmUseImStartEnd);
    b.push(spec.sep, 'assistant', 'stop', true, m.turn);
  }
}

// First-release llava_v0 training form: `system\n\n### Human: q\n### Assistant: a\n### `. The `###` that
// follows an answer is its stop string (what inference stops on), so it is trained.
function v0Train(b: SpanBuilder, x: AssemblyInput): void {
  const { spec } = x;
  pushSystem(b, spec, x.system, x.systemTurn);
  b.push('\n\n', 'system', 'separator', false, x.systemTurn);
  let previousAnswer = -1;
  const hashes = (): void => {
    if (previousAnswer >= 0) b.push(spec.sep, 'assistant', 'stop', true, previousAnswer);
    else b.push(spec.sep, 'user', 'separator', false, -1);
  };
  for (const m of x.messages) {
    hashes();
    const role = m.role === 'user' ? spec.roles.user : spec.roles.assistant;
    b.push(` ${role}:`, m.role, 'tag', false, m.turn);
    pushContent(b, ' ', m.value, '', m.role, m.role === 'assistant', m.turn, x.mmUseImStartEnd);
    if (m.role === 'user') b.push('\n', 'user', 'separator', false, m.turn);
    else b.push('\n', 'assistant', 'text', true, m.turn);
    previousAnswer = m.role === 'assistant' ? m.turn : -1;
  }
  hashes();
  if (x.generation) b.push(` ${spec.roles.assistant}:`, 'assistant', 'tag', false, -1);
  else b.push(' ', 'user', 'separator', false, -1);
}

const STYLES: Record<TemplateSpec['style'], (b: SpanBuilder, x: AssemblyInput) => void> = {
  single,
  two,
  mpt,
  llama_2: llama2,
  plain,
  v0_train: v0Train,
};

/** Builds the prompt text and its spans with the assembly rule of the template's style. */
export function assemble(input: AssemblyInput): SpanBuilder {
  const b = new SpanBuilder();
  STYLES[input.spec.style](b, input);
  return b;
}
