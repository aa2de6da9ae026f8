import type { GroundedSegment } from '../grounding/ground-caption';
import type { TeacherChat, TeacherRequest } from './teacher-chat';

/** Where a box lies, in words: "upper left", "centre", "lower right", ... */
export function describePosition(box: readonly number[]): string {
  const cx = ((box[0] ?? 0) + (box[2] ?? 0)) / 2;
  const cy = ((box[1] ?? 0) + (box[3] ?? 0)) / 2;
  const vertical = cy < 1 / 3 ? 'upper' : cy > 2 / 3 ? 'lower' : '';
  const horizontal = cx < 1 / 3 ? 'left' : cx > 2 / 3 ? 'right' : '';
  if (!vertical && !horizontal) return 'centre';
  return [vertical, horizontal].filter(Boolean).join(' ') + (vertical && !horizontal ? ' centre' : '');
}

function sentence(text: string): string {
  const t = text.trim().replace(/\s+/g, ' ');
  const capital = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

function segmentsOf(request: TeacherRequest): GroundedSegment[] {
  const segments = request.context?.segments;
  if (Array.isArray(segments) && segments.length > 0) return segments as GroundedSegment[];
  const caption = typeof request.context?.caption === 'string' ? request.context.caption : '';
  return [{ text: caption, box: [0, 0, 1, 1], cluster: 0 }];
}

/**
 * A rule-based teacher for offline runs and the demo: it answers every Quilt step from the grounded
 * segments in `context` (position words from the boxes, the narration as the answer), in the output
 * formats the @vlm/prompts parsers read, never from a model. It checks the plumbing; it does not
 * make good data.
 */
export function symbolicQuiltTeacher(): TeacherChat {
  return async (request) => {
    const segments = segmentsOf(request);
    const diagnosis = String(request.context?.diagnosis ?? '');
    switch (request.task) {
      case 'quilt.conversation': {
        const pairs = segments.slice(0, 4).map((s) => [`What can be seen in the ${describePosition(s.box)} of the image?`, sentence(s.text)]);
        if (pairs.length < 3) pairs.push(['What kind of image is this?', 'This is a histopathology image stained with H&E.']);
        const last = pairs[pairs.length - 1]!;
        last[1] = `${last[1]} I am an AI assistant, not a doctor; please consult a pathologist for a diagnosis.`;
        return pairs.map(([q, a]) => `User:[${q}]\nGPT:[${a}]`).join('\n');
      }
      case 'quilt.detail':
        return segments.map((s) => `In the ${describePosition(s.box)} of the image: ${sentence(s.text)}`).join(' ');
      case 'quilt.diagnosis': {
        const narration = String(request.context?.narration ?? '');
        const found = /(?:diagnosis is|consistent with|diagnostic of)\s+([^.]*)/i.exec(narration)?.[1];
        const clues = narration.split(/(?<=[.!?])\s+/).filter(Boolean);
        return `Diagnosis: ${found ? found.trim() : 'none'}\nClues:\n${clues.map((c) => `- ${c}`).join('\n')}`;
      }
      case 'quilt.complex_reasoning':
        return (
          `User:[Which findings in this image support ${diagnosis}?]\n` +
          `GPT:[${segments.map((s) => `In the ${describePosition(s.box)}, ${s.text.trim().replace(/[.]$/, '')}`).join('; ')}. These features point that way, but more regions of the slide would be needed to be sure.]`
        );
      case 'quilt.abduction.student': {
        const history = (request.context?.history ?? []) as { agent: string; text: string }[];
        return history.length === 0 ? 'Is this a benign reactive process?' : `Is this ${diagnosis}?`;
      }
      case 'quilt.abduction.assistant': {
        const history = (request.context?.history ?? []) as { agent: string; text: string }[];
        if (history[history.length - 1]?.text === `Is this ${diagnosis}?`) return `CORRECT!!! The features fit ${diagnosis}.`;
        return `Look again at the ${describePosition(segments[0]!.box)}: ${sentence(segments[0]!.text)}`;
      }
      default:
        throw new Error(`the symbolic Quilt teacher has no rule for task ${request.task}`);
    }
  };
}
