import { IMAGE_TOKEN, VlmError, type LlavaRecord, type Rng } from '@vlm/core';
import {
  abductionToPairs,
  createAbductionDialogue,
  detailedDescriptionQuestions,
  parseDescription,
  parseQuiltDialogue,
  quiltAbductionAssistantPrompt,
  quiltAbductionStudentPrompt,
  quiltComplexReasoningPrompt,
  quiltConversationPrompt,
  quiltDetailedDescriptionPrompt,
  sampleAbductionTurnCount,
  type ParseOutcome,
  type QaPair,
  type TeacherRequest as PromptRequest,
} from '@vlm/prompts';

import type { GroundedSegment } from '../grounding/ground-caption';
import { parseDiagnosis, QUILT_DIAGNOSIS_SYSTEM } from './quilt-diagnosis-prompt';
import type { TeacherChat } from './teacher-chat';

/** The four Quilt-Instruct kinds. */
export type QuiltInstructionKind = 'conversation' | 'detail' | 'complex_reasoning' | 'iterative_abduction';

/** One grounded image: what the instruction steps read. */
export interface GroundedImage {
  id: string;
  /** Image path relative to the dataset's image root. */
  image: string;
  /** The grounded caption string (`words [x1, y1, x2, y2], ...`) or the raw caption. */
  caption: string;
  segments: GroundedSegment[];
}

/** Whole-video diagnosis and clues; undefined diagnosis means the narration states none. */
export interface VideoDiagnosis {
  diagnosis?: string;
  clues: string[];
}

/** A LLaVA record of Quilt-Instruct, with the grounding kept beside the conversation. */
export type QuiltRecord = LlavaRecord & {
  kind: QuiltInstructionKind;
  grounded_caption: string;
  boxes: { text: string; box: [number, number, number, number] }[];
  /** Prompt id and version of @vlm/prompts that produced it. */
  prompt: string;
};

// Sends a built @vlm/prompts request through the teacher (temperature 0, 512 tokens for every Quilt prompt).
// `parse` is the step's parser: an answer it rejects is withdrawn from a cached teacher, so the rerun
// that the failure promises asks the teacher again instead of replaying the same answer.
function ask(teacher: TeacherChat, task: string, request: PromptRequest, context: Record<string, unknown>, parse?: (text: string) => ParseOutcome<unknown>): Promise<string> {
  const check = parse
    ? (text: string) => {
        const outcome = parse(text);
        return outcome.ok ? undefined : outcome.reason;
      }
    : undefined;
  return teacher({ task, messages: request.messages, temperature: request.temperature, maxTokens: request.maxTokens, context, ...(check ? { check } : {}) });
}

function unwrap<T>(outcome: ParseOutcome<T>, id: string, task: string): T {
  if (outcome.ok) return outcome.value;
  throw new VlmError('teacher_unparseable', `${task}: ${outcome.message} (${outcome.reason})`, {
    location: { id },
    hint: 'the model did not follow the output format; a cached teacher withdrew the answer, so a rerun asks again',
  });
}

function record(image: GroundedImage, kind: QuiltInstructionKind, prompt: PromptRequest, pairs: QaPair[]): QuiltRecord {
  const turns = pairs.flatMap((p) => [
    { from: 'human' as const, value: p.question },
    { from: 'gpt' as const, value: p.answer },
  ]);
  turns[0] = { from: 'human', value: `${IMAGE_TOKEN}\n${turns[0]!.value}` };
  return {
    id: `${image.id}_${kind}`,
    image: image.image,
    conversations: turns,
    kind,
    grounded_caption: image.caption,
    boxes: image.segments.map((s) => ({ text: s.text, box: s.box })),
    prompt: `${prompt.promptId}@${prompt.promptVersion}`,
  };
}

function baseContext(image: GroundedImage): Record<string, unknown> {
  return { caption: image.caption, segments: image.segments };
}

/** Conversation record: 3-4 Q/A pairs about the grounded image (quilt/conversation prompt). */
export async function generateQuiltConversation(image: GroundedImage, teacher: TeacherChat): Promise<QuiltRecord> {
  const request = quiltConversationPrompt.build({ caption: image.caption });
  const text = await ask(teacher, 'quilt.conversation', request, baseContext(image), parseQuiltDialogue);
  return record(image, 'conversation', request, unwrap(parseQuiltDialogue(text), image.id, 'quilt.conversation'));
}

/** Detailed-description record; the user turn is one of the detailed-description questions, drawn with `rng`. */
export async function generateQuiltDetail(image: GroundedImage, teacher: TeacherChat, rng: Rng): Promise<QuiltRecord> {
  const request = quiltDetailedDescriptionPrompt.build({ caption: image.caption });
  const text = await ask(teacher, 'quilt.detail', request, baseContext(image), parseDescription);
  const description = unwrap(parseDescription(text), image.id, 'quilt.detail');
  return record(image, 'detail', request, [{ question: rng.pick(detailedDescriptionQuestions), answer: description }]);
}

/** Extracts the diagnosis and clues of a whole video from its full narration. */
export async function extractVideoDiagnosis(narration: string, teacher: TeacherChat): Promise<VideoDiagnosis> {
  const text = await teacher({
    task: 'quilt.diagnosis',
    messages: [
      { role: 'system', content: QUILT_DIAGNOSIS_SYSTEM },
      { role: 'user', content: narration },
    ],
    temperature: 0,
    maxTokens: 512,
    context: { narration },
  });
  return parseDiagnosis(text);
}

function slide(image: GroundedImage, video: VideoDiagnosis): { diagnosis: string; clues: string[]; patchCaption: string } {
  if (!video.diagnosis) throw new VlmError('quilt_no_diagnosis', 'complex reasoning and abduction need a whole-video diagnosis', { location: { id: image.id } });
  return { diagnosis: video.diagnosis, clues: video.clues.length > 0 ? video.clues : [video.diagnosis], patchCaption: image.caption };
}

/** Complex-reasoning record from the video's diagnosis and clues and one patch caption. */
export async function generateQuiltReasoning(image: GroundedImage, video: VideoDiagnosis, teacher: TeacherChat): Promise<QuiltRecord> {
  const input = slide(image, video);
  const request = quiltComplexReasoningPrompt.build(input);
  const text = await ask(teacher, 'quilt.complex_reasoning', request, { ...baseContext(image), ...input }, parseQuiltDialogue);
  const [pair] = unwrap(parseQuiltDialogue(text), image.id, 'quilt.complex_reasoning');
  return record(image, 'complex_reasoning', request, [pair!]);
}

/**
 * Iterative-abduction record: a student agent and a guiding assistant alternate for 4 or 6 turns
 * (weights 0.85 / 0.15) or until "CORRECT!!!" / "End of Guidance". Student turns become `human`.
 */
export async function generateQuiltAbduction(image: GroundedImage, video: VideoDiagnosis, teacher: TeacherChat, rng: Rng): Promise<QuiltRecord> {
  const input = slide(image, video);
  const dialogue = createAbductionDialogue(sampleAbductionTurnCount(rng));
  let request: PromptRequest | undefined;
  while (!dialogue.done) {
    const history = dialogue.messages.slice();
    if (dialogue.next === 'student') {
      request = quiltAbductionStudentPrompt.build({ patchCaption: input.patchCaption, history });
      dialogue.add(await ask(teacher, 'quilt.abduction.student', request, { ...baseContext(image), ...input, history }));
    } else {
      request = quiltAbductionAssistantPrompt.build({ ...input, history, isLastTurn: dialogue.isLastTurn });
      dialogue.add(await ask(teacher, 'quilt.abduction.assistant', request, { ...baseContext(image), ...input, history, isLastTurn: dialogue.isLastTurn }));
    }
  }
  const pairs = abductionToPairs(dialogue.messages);
  if (pairs.length === 0) throw new VlmError('teacher_unparseable', 'quilt.abduction: the dialogue produced no student/assistant pair', { location: { id: image.id } });
  return record(image, 'iterative_abduction', request!, pairs);
}
