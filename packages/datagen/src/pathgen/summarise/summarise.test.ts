import { describe, expect, it } from 'vitest';

import type { TeacherRequest } from '../../quilt/instruct/teacher-chat';
import { createClipTokenizer } from './clip-tokenizer';
import { summariseWithinBudget } from './summarise';

// Every lower-case letter as a symbol, and each of a few words as one token (no word holds another's first pair, so each merges whole), so counts are hand-checkable.
const words = ['tumor', 'cells', 'are', 'big', 'with', 'nuclei', 'and', 'mitoses'];
const vocab: Record<string, number> = {};
let next = 0;
for (let c = 97; c <= 122; c++) {
  vocab[String.fromCharCode(c)] = next++;
  vocab[`${String.fromCharCode(c)}</w>`] = next++;
}
const merges: [string, string][] = [];
for (const word of words) {
  // Left-to-right merges building each word: w o -> wo, wo r -> wor, ... last with </w>.
  let acc = word[0]!;
  for (let i = 1; i < word.length; i++) {
    const piece = i === word.length - 1 ? `${word[i]}</w>` : word[i]!;
    merges.push([acc, piece]);
    acc += piece;
    vocab[acc] = next++;
  }
}
const tokenizer = createClipTokenizer(vocab, merges, { startId: 1000, endId: 1001 });

function scripted(answers: string[]) {
  const requests: TeacherRequest[] = [];
  const teacher = async (request: TeacherRequest) => {
    requests.push(request);
    return answers[requests.length - 1] ?? answers[answers.length - 1]!;
  };
  return { teacher, requests };
}

describe('summariseWithinBudget', () => {
  it('accepts a first answer that fits (words are one token each here)', async () => {
    expect(tokenizer.count('tumor cells are big with nuclei')).toBe(8);
    const { teacher, requests } = scripted(['tumor cells are big with nuclei']);
    const result = await summariseWithinBudget('long description', teacher, { tokenizer, budget: 8 });
    expect(result).toEqual({ text: 'tumor cells are big with nuclei', tokens: 8, attempts: 1, truncated: false, attemptTokens: [8] });
    // The pathgen/summary prompt of @vlm/prompts, with the budget in its query.
    expect(JSON.stringify(requests[0]!.messages)).toContain('the encoder reads 6 tokens');
  });

  it('retries with the measured overshoot, then accepts', async () => {
    const { teacher, requests } = scripted(['tumor cells are big with nuclei and mitoses', 'tumor cells are big with nuclei']);
    const result = await summariseWithinBudget('d', teacher, { tokenizer, budget: 8 });
    expect(result).toMatchObject({ attempts: 2, truncated: false, attemptTokens: [10, 8] });
    expect(requests[1]!.messages.at(-1)!.content).toBe('That summary takes 10 CLIP tokens; the limit is 8 including the start and end tokens. Shorten it.');
    expect(requests[1]!.messages.at(-2)).toEqual({ role: 'assistant', content: 'tumor cells are big with nuclei and mitoses' });
  });

  it('truncates at a word boundary after the last attempt and records it', async () => {
    const { teacher, requests } = scripted(['tumor cells are big with nuclei and mitoses']);
    const result = await summariseWithinBudget('d', teacher, { tokenizer, budget: 8, maxAttempts: 2 });
    expect(requests).toHaveLength(2);
    expect(result).toEqual({ text: 'tumor cells are big with nuclei', tokens: 8, attempts: 2, truncated: true, attemptTokens: [10, 10] });
  });
});
