import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startOpenAIServer } from '@vlm/testkit';
import { describe, expect, it } from 'vitest';

import { createTeacher } from '../../teacher/teacher';
import { engineTeacherChat } from './teacher-chat';

describe('engineTeacherChat', () => {
  it('passes answers through and refuses one cut off at max_tokens as truncated', async () => {
    const server = await startOpenAIServer({ handler: (_r, c) => (c.lastUserText === 'long' ? { content: 'User:[What is] GPT:[The tissue shows', finishReason: 'length' } : 'User:[Q] GPT:[A]') });
    const teacher = createTeacher({ baseURL: server.baseURL, apiKey: 'k', model: 'm', cacheDir: mkdtempSync(join(tmpdir(), 'quilt-chat-')), env: {} });
    try {
      const chat = engineTeacherChat(teacher);
      expect(await chat({ task: 'quilt.conversation', messages: [{ role: 'user', content: 'short' }] })).toBe('User:[Q] GPT:[A]');
      await expect(chat({ task: 'quilt.conversation', messages: [{ role: 'user', content: 'long' }] })).rejects.toMatchObject({ code: 'truncated' });
    } finally {
      await teacher.close();
      await server.close();
    }
  });
});
