import { describe, expect, it } from 'vitest';

import { MULTIPLE_CHOICE_PROMPT } from '../response-format';
import { convertFixture } from './__fixtures__/convert-fixture';

const inputs = { problems: 'problems.json', splits: 'pid_splits.json' };

describe('ScienceQA converter', () => {
  it('writes the question with context and options, the image token after it, and lecture + solution + letter', async () => {
    const { records, report } = await convertFixture('scienceqa', inputs);
    expect(records).toEqual([
      {
        id: '1',
        source: 'scienceqa',
        conversations: [
          { from: 'human', value: 'Which figure of speech is used in this text?\nContext: The bang of the door woke everyone.\nOptions: (A) anaphora (B) onomatopoeia' },
          {
            from: 'gpt',
            value: 'Figures of speech are words or phrases that use language in a nonliteral way. The text uses onomatopoeia, a word that expresses a sound. The answer is B.',
          },
        ],
      },
      {
        id: '5',
        image: 'train/5/image.png',
        source: 'scienceqa',
        conversations: [
          { from: 'human', value: 'Which of these states is farthest north?\nContext: N/A\nOptions: (A) West Virginia (B) Louisiana (C) Arizona (D) Oklahoma\n<image>' },
          { from: 'gpt', value: 'Maps have four cardinal directions, or main directions. To find the answer, look at the compass rose. The answer is A.' },
        ],
      },
    ]);
    expect(report.issues.map((i) => [i.key, i.reason])).toEqual([
      ['12', 'answer 5 is not one of the 2 choices'],
      ['13', expect.stringContaining('field question')],
    ]);
  });

  it('converts another split, and answers with the letter alone in letter mode', async () => {
    const { records } = await convertFixture('scienceqa', inputs, { split: 'val', mode: 'letter' });
    expect(records).toHaveLength(1);
    expect(records[0]!.conversations[0]!.value).toBe(
      `Identify the question that Tom's experiment can best answer.\nContext: N/A\nOptions: (A) A (B) B\n${MULTIPLE_CHOICE_PROMPT}\n<image>`,
    );
    expect(records[0]!.conversations[1]!.value).toBe('A');
  });

  it('names the splits that exist when asked for a missing one', async () => {
    await expect(convertFixture('scienceqa', inputs, { split: 'nope' })).rejects.toThrow(/no "nope" list/);
  });
});
