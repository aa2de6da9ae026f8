import { IMAGE_TOKEN, type LlavaTurn } from '@vlm/core';
import { z } from 'zod';

import type { ConverterDefinition } from '../convert-options';
import { jsonRows } from './rows';

const ROLES: Record<string, LlavaTurn['from']> = {
  human: 'human',
  user: 'human',
  gpt: 'gpt',
  chatgpt: 'gpt',
  assistant: 'gpt',
  bard: 'gpt',
  bing: 'gpt',
  system: 'system',
};

const rowSchema = z.looseObject({
  id: z.union([z.string().min(1), z.number()]).optional(),
  conversations: z.array(z.looseObject({ from: z.string(), value: z.string() })).min(1),
});

/** Normalises one ShareGPT conversation, or returns why it cannot be used. */
export function normalizeShareGpt(turns: readonly { from: string; value: string }[]): LlavaTurn[] | string {
  const out: LlavaTurn[] = [];
  for (const [k, t] of turns.entries()) {
    const from = ROLES[t.from.toLowerCase()];
    if (!from) return `turn ${k}: unknown speaker ${JSON.stringify(t.from)}`;
    if (t.value.includes(IMAGE_TOKEN)) return `turn ${k}: contains ${IMAGE_TOKEN} in a text-only conversation`;
    if (from === 'system') {
      if (out.length > 0) return `turn ${k}: system message after the first turn`;
      out.push({ from, value: t.value });
      continue;
    }
    const last = out[out.length - 1];
    // Conversations scraped mid-way start with the assistant; like LLaVA, drop those leading turns.
    if (from === 'gpt' && (!last || last.from === 'system')) continue;
    if (last && last.from === from) return `turn ${k}: two ${from} turns in a row`;
    if (!t.value.trim()) return `turn ${k}: empty message`;
    out.push({ from, value: t.value });
  }
  if (out[out.length - 1]?.from === 'human') out.pop(); // an unanswered last question teaches nothing
  if (!out.some((t) => t.from === 'gpt')) return 'no answered human turn';
  return out;
}

/** ShareGPT-style text-only conversations (a JSON array of `{id, conversations: [{from, value}]}`) for mixing. */
export const shareGptConverter: ConverterDefinition = {
  name: 'sharegpt',
  description: 'ShareGPT-style JSON array of {id, conversations}',
  inputs: [{ name: 'conversations', description: 'JSON array of {id, conversations: [{from, value}]}' }],
  defaultMerge: false,
  imageTemplate: { default: '', fields: [] },
  async *read(inputs, context) {
    const file = inputs.conversations!;
    for await (const row of jsonRows(file, [], rowSchema, context.issues)) {
      const id = String(row.value.id ?? row.index);
      const turns = normalizeShareGpt(row.value.conversations);
      if (typeof turns === 'string') {
        context.issues.add({ file, line: row.line, index: row.index, key: id, reason: turns });
        continue;
      }
      yield { record: { id, conversations: turns } };
    }
  },
};
