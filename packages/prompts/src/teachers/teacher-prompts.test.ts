import { describe, expect, it } from 'vitest';
import { createRng, VlmError } from '@vlm/core';
import { messageText, type ChatMessage } from '../chat/chat-message';
import { parseConversation } from '../parse/parse-conversation';
import { parseDescription } from '../parse/parse-description';
import { conversationFormats, type ConversationFormat } from '../parse/qa-pair';
import { llavaBenchJudgePrompt } from './llava-bench-judge';
import { llavaConversationPrompt } from './llava-conversation';
import { llavaMedPrompt } from './llava-med';
import { pathgenDescriptionPrompt } from './pathgen-description';
import { getTeacherPrompt, teacherPrompts } from './registry';

/** A readable dump of a request, compared with the golden files in __fixtures__. */
function dump(request: { promptId: string; promptVersion: string; temperature: number; maxTokens?: number; messages: ChatMessage[] }): string {
  const head = `prompt ${request.promptId} v${request.promptVersion}, temperature ${request.temperature}, max tokens ${request.maxTokens ?? '-'}`;
  const body = request.messages.map((m) => {
    const images = typeof m.content === 'string' ? [] : m.content.filter((p) => p.type === 'image_url').map((p) => `[image_url ${p.type === 'image_url' ? p.image_url.url : ''}]`);
    return `### ${m.role}\n${messageText(m)}${images.length ? `\n${images.join('\n')}` : ''}`;
  });
  return `${head}\n${body.join('\n')}\n`;
}

const coco = {
  captions: ['A man rides a bicycle past a parked truck.', 'A cyclist on a city street next to a white truck.'],
  objects: [
    { category: 'person', box: [362.24, 320.16, 40.96, 30.72] },
    { category: 'truck', box: [612.48, 252.48, 27.52, 108.48] },
  ],
  boxFormat: 'coco' as const,
  imageSize: { width: 640, height: 480 },
};
const grounded = 'the epidermis is on top [0.0, 0.0, 1.0, 0.2], and below it these atypical spindle cells [0.3, 0.35, 0.7, 0.8]';
const slide = { diagnosis: 'Dermatofibrosarcoma protuberans', clues: ['Storiform spindle cells', 'Infiltration of fat in a honeycomb pattern'], patchCaption: grounded };

const queries: Record<string, unknown> = {
  'llava/conversation': coco,
  'llava/detailed-description': coco,
  'llava/complex-reasoning': coco,
  'llava-med/conversation': { figureLabel: 'Figure 4', caption: 'Axial CT showing a hypodense hepatic lesion.', mentions: ['CT (Figure 4) revealed a 3 cm lesion.', 'The lesion was biopsied.'] },
  'quilt/conversation': { caption: grounded },
  'quilt/detailed-description': { caption: grounded },
  'quilt/complex-reasoning': slide,
  'quilt/abduction-student': { patchCaption: grounded, history: [] },
  'quilt/abduction-assistant': { ...slide, history: [{ agent: 'student', text: 'I think this is a dermatofibroma.' }], isLastTurn: true },
  'pathgen/description': { tissue: 'Skin', caption: 'Spindle cell tumor.', imageUrl: 'data:image/png;base64,AAAA' },
  'pathgen/revision-inject': { description: 'The patch shows dermis with a storiform proliferation of bland spindle cells.', operation: 'deletion' },
  'pathgen/revision-correct': { description: 'The patch shows dermis with a storiform proliferation of bland round cells.' },
  'pathgen/summary': { description: 'The patch shows dermis with a storiform proliferation of bland spindle cells infiltrating fat.', maxTokens: 77 },
  'llava-bench/judge': { context: coco, question: 'What is the man doing?', referenceAnswer: 'He is riding a bicycle.', candidateAnswer: 'He rides a bike past a truck.' },
  'llava-bench/reference-answer': { context: 'A man rides a bicycle past a parked white truck on a city street.', question: 'What is the man doing?' },
};

describe('teacher prompts', () => {
  it('has a golden query for every shipped prompt', () => {
    expect(Object.keys(queries).sort()).toEqual(teacherPrompts.map((p) => p.id).sort());
  });

  for (const prompt of teacherPrompts) {
    it(`renders ${prompt.id} like its golden file`, async () => {
      const request = prompt.build(queries[prompt.id]);
      expect(request.promptId).toBe(prompt.id);
      expect(request.messages[0]?.role).toBe('system');
      expect(request.messages.length).toBe(2 + 2 * prompt.examples.length);
      await expect(dump(request)).toMatchFileSnapshot(`./__fixtures__/${prompt.id.replace('/', '--')}.golden.txt`);
    });
  }

  it('ships at least two of our own few-shot examples per kind (the judge is zero-shot)', () => {
    for (const prompt of teacherPrompts) {
      if (prompt.id === 'llava-bench/judge') expect(prompt.examples).toHaveLength(0);
      else expect(prompt.examples.length, prompt.id).toBeGreaterThanOrEqual(2);
    }
  });

  it('round-trips every shipped conversation example through its parser, untouched by the filters', () => {
    for (const prompt of teacherPrompts) {
      for (const example of prompt.examples) {
        if ((conversationFormats as readonly string[]).includes(prompt.responseFormat)) {
          const parsed = parseConversation(prompt.responseFormat as ConversationFormat, example.response);
          expect(parsed.ok, `${example.id}`).toBe(true);
          if (!parsed.ok) continue;
          expect(parsed.dropped, `${example.id}`).toEqual([]);
          expect(parsed.stripped, `${example.id}`).toEqual([]);
        } else if (prompt.responseFormat === 'paragraph') {
          const parsed = parseDescription(example.response);
          expect(parsed.ok && parsed.value, `${example.id}`).toBe(example.response);
        }
      }
    }
  });

  it('keeps the seed system messages verbatim', () => {
    expect(llavaConversationPrompt.build(coco).messages[0]?.content).toMatch(
      /^You are an AI visual assistant, and you are seeing a single image\. What you see are provided with five sentences,[^]*You can include multiple paragraphs if necessary\.$/,
    );
    const med = llavaMedPrompt.build({ caption: 'x' }).messages[0]?.content as string;
    expect(med).toContain('you don’t have access to the actual image.');
    expect(med.split('\n')).toHaveLength(8);
  });

  it('lays out LLaVA-Med queries with and without figure context', () => {
    expect(llavaMedPrompt.renderQuery(llavaMedPrompt.inputSchema.parse({ figureLabel: 'Fig. 1', caption: 'A CT scan.' }))).toBe('Figure Caption:\nFig. 1: A CT scan.');
    expect(llavaMedPrompt.renderQuery(llavaMedPrompt.inputSchema.parse({ figureLabel: 'Fig. 1', caption: 'A CT scan.', mentions: ['a', 'b'] }))).toBe(
      'Figure Caption:\nFig. 1: A CT scan.\n\nFigure Context:\n\t- a\n\t- b',
    );
  });

  it('lays out the judge content exactly', () => {
    const request = llavaBenchJudgePrompt.build({ context: 'CAP', question: 'Q', referenceAnswer: 'R', candidateAnswer: 'A', rubric: 'RUBRIC' });
    expect(request.messages).toHaveLength(2);
    expect(request.temperature).toBe(0.2);
    expect(request.messages[1]?.content).toBe('[Context]\nCAP\n\n[Question]\nQ\n\n[Assistant 1]\nR\n\n[End of Assistant 1]\n\n[Assistant 2]\nA\n\n[End of Assistant 2]\n\n[System]\nRUBRIC\n\n');
  });

  it('sends the patch as an image part to a vision teacher', () => {
    const request = pathgenDescriptionPrompt.build({ imageUrl: 'https://example.org/p.png' });
    const query = request.messages.at(-1)?.content;
    expect(Array.isArray(query) && query[1]).toEqual({ type: 'image_url', image_url: { url: 'https://example.org/p.png' } });
    expect(() => pathgenDescriptionPrompt.build({ tissue: 'Skin' })).toThrow(/imageUrl/);
  });

  it('rejects bad input with a VlmError naming the field', () => {
    try {
      llavaConversationPrompt.build({ captions: ['ok', ''] });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(VlmError);
      expect((error as VlmError).code).toBe('prompt_input_invalid');
      expect((error as VlmError).location.field).toBe('captions.1');
    }
    // Boxes are checked even by the conversation prompt, which does not show them.
    expect(() => llavaConversationPrompt.build({ captions: ['ok'], objects: [{ category: 'dog', box: [0, 0, 2, 1] }] })).toThrow(/outside the image/);
    try {
      getTeacherPrompt('nope');
      expect.unreachable();
    } catch (error) {
      expect((error as VlmError).hint).toMatch(/Known ids: llava\/conversation/);
    }
  });

  it('shuffles and limits few-shot examples deterministically', () => {
    const a = llavaConversationPrompt.build(coco, { rng: createRng(3), maxExamples: 1 });
    const b = llavaConversationPrompt.build(coco, { rng: createRng(3), maxExamples: 1 });
    expect(a.messages).toEqual(b.messages);
    expect(a.messages).toHaveLength(4);
    const custom = llavaConversationPrompt.build(coco, { examples: [{ context: 'C', response: 'R' }] });
    expect(custom.messages.map((m) => m.content).slice(1, 3)).toEqual(['C', 'R']);
  });
});
