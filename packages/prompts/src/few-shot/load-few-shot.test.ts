import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VlmError } from '@vlm/core';
import { llavaConversationPrompt } from '../teachers/llava-conversation';
import { parseQuestionAnswerBlocks } from '../parse/parse-conversation';
import { loadLlavaPromptFiles } from './load-llava-prompt-files';
import { parseFewShotExamples } from './parse-few-shot-examples';

const dir = new URL('./__fixtures__/llava-conversation/', import.meta.url);
const files = readdirSync(dir).map((name) => ({ name: `prompts/conversation/${name}`, content: readFileSync(new URL(name, dir), 'utf8') }));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof VlmError ? error.code : 'not-a-vlm-error';
  }
  return undefined;
}

describe('loadLlavaPromptFiles', () => {
  it('pairs NNN_caps.txt with NNN_conv.txt in numeric order and reads the system message', () => {
    const folder = loadLlavaPromptFiles([...files].reverse());
    expect(folder.systemMessage).toBe('You are an AI visual assistant.');
    expect(folder.examples.map((e) => e.id)).toEqual(['000', '001']);
    expect(folder.examples[1]?.context).toBe('Two horses graze in a field.\nA fence runs behind them.');
    expect(folder.ignored).toEqual([]);
    for (const example of folder.examples) expect(parseQuestionAnswerBlocks(example.response).ok).toBe(true);
    const request = llavaConversationPrompt.build({ captions: ['A dog.'] }, { examples: folder.examples });
    expect(request.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant', 'user']);
  });

  it('names the file of an unpaired, empty or duplicate example', () => {
    expect(codeOf(() => loadLlavaPromptFiles(files.filter((f) => !f.name.endsWith('001_conv.txt'))))).toBe('few_shot_unpaired');
    expect(codeOf(() => loadLlavaPromptFiles([...files, { name: 'x/000_caps.txt', content: 'again' }]))).toBe('few_shot_duplicate');
    expect(codeOf(() => loadLlavaPromptFiles([{ name: '002_caps.txt', content: '\n' }]))).toBe('few_shot_empty');
    expect(loadLlavaPromptFiles([...files, { name: 'notes.md', content: 'x' }]).ignored).toEqual(['notes.md']);
    try {
      loadLlavaPromptFiles(files.filter((f) => !f.name.endsWith('000_caps.txt')));
    } catch (error) {
      expect((error as VlmError).location.file).toBe('prompts/conversation/000_conv.txt');
    }
  });
});

describe('parseFewShotExamples', () => {
  it('reads JSON arrays and JSONL', () => {
    expect(parseFewShotExamples([{ context: 'c', response: 'r' }])).toEqual([{ context: 'c', response: 'r' }]);
    expect(parseFewShotExamples('{"id":"a","context":"c","response":"r"}\n\n{"context":"d","response":"s"}\n')).toHaveLength(2);
  });

  it('reports every bad row', () => {
    try {
      parseFewShotExamples([{ context: 'c' }, { context: 'c', response: 'r' }, { response: 'r' }], { file: 'ex.json' });
      expect.unreachable();
    } catch (error) {
      expect((error as VlmError).code).toBe('few_shot_invalid');
      expect((error as VlmError).message).toMatch(/2 few-shot example\(s\)[^]*row 0[^]*row 2/);
      expect((error as VlmError).location.file).toBe('ex.json');
    }
    expect(codeOf(() => parseFewShotExamples('{"context": "c", '))).toBe('few_shot_invalid');
    expect(codeOf(() => parseFewShotExamples(42))).toBe('few_shot_invalid');
  });
});
