import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import cases from './__fixtures__/teacher-output-cases.json';
import { parseConversation } from './parse-conversation';
import { parseDescription, type ParseDescriptionOptions } from './parse-description';
import type { ConversationFormat } from './qa-pair';
import type { ParseOutcome } from './parse-outcome';

interface Case {
  file: string;
  parser: ConversationFormat | 'description';
  options?: ParseDescriptionOptions;
  expect: {
    ok: boolean;
    reason?: string;
    pairs?: number;
    dropped?: string[];
    stripped?: string[];
    preamble?: boolean;
    firstAnswer?: string;
    value?: string;
  };
}

const read = (file: string) => readFileSync(new URL(`./__fixtures__/teacher-outputs/${file}`, import.meta.url), 'utf8');

describe('malformed and leaky teacher outputs', () => {
  it('covers every fixture file', () => {
    const files = new Set((cases as Case[]).map((c) => c.file));
    expect(files.size).toBeGreaterThanOrEqual(29);
  });

  for (const c of cases as Case[]) {
    it(`${c.file} (${c.parser}${c.options ? ' ' + JSON.stringify(c.options) : ''}) -> ${c.expect.ok ? 'ok' : c.expect.reason}`, () => {
      const text = read(c.file);
      const outcome: ParseOutcome<unknown> = c.parser === 'description' ? parseDescription(text, c.options) : parseConversation(c.parser, text, c.options);
      expect(outcome.ok).toBe(c.expect.ok);
      if (c.expect.dropped) expect(outcome.dropped.map((d) => d.reason).sort()).toEqual([...c.expect.dropped].sort());
      if (!outcome.ok) {
        expect(outcome.reason).toBe(c.expect.reason);
        expect(outcome.message.length).toBeGreaterThan(0);
        return;
      }
      if (!c.expect.dropped) expect(outcome.dropped).toEqual([]);
      expect(outcome.stripped.map((s) => s.reason)).toEqual(c.expect.stripped ?? []);
      expect(outcome.preamble !== undefined).toBe(c.expect.preamble ?? false);
      if (c.parser === 'description') {
        const value = outcome.value as string;
        if (c.expect.value) expect(value).toBe(c.expect.value);
      } else {
        const pairs = outcome.value as Array<{ question: string; answer: string }>;
        expect(pairs).toHaveLength(c.expect.pairs ?? 0);
        for (const p of pairs) {
          expect(p.question).not.toMatch(/^(Question|Answer|User|GPT):|===|^\[|\]$/);
          expect(p.answer).not.toMatch(/===|^\[|\]$/);
        }
        if (c.expect.firstAnswer) expect(pairs[0]?.answer).toBe(c.expect.firstAnswer);
      }
    });
  }
});
