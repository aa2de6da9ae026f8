import { describe, expect, it } from 'vitest';

import { convertFixture } from './__fixtures__/convert-fixture';

describe('ShareGPT converter', () => {
  it('normalises speakers, drops leading assistant and trailing unanswered turns, and reports unusable conversations', async () => {
    const { records, report } = await convertFixture('sharegpt', { conversations: 'sharegpt.json' });
    expect(records.map((r) => [r.id, r.image, r.conversations.map((t) => t.from).join(',')])).toEqual([
      ['QWJhYvA_0', undefined, 'human,gpt,human,gpt'],
      ['leading_gpt', undefined, 'human,gpt'],
    ]);
    expect(records[1]!.conversations[0]!.value).toBe('Thanks! And a haiku?');
    expect(report.issues.map((i) => [i.key, i.reason])).toEqual([
      ['bad_roles', 'turn 1: two human turns in a row'],
      ['has_image', 'turn 0: contains <image> in a text-only conversation'],
    ]);
  });
});
