import { createHash } from 'node:crypto';

import { IMAGE_TOKEN } from '@vlm/core';

/** A record as far as near-duplicate detection reads it. */
interface ConversationRecord {
  conversations: ReadonlyArray<{ from: string; value: string }>;
}

/**
 * The normalised text of a conversation: every turn, Unicode-compatibility folded, lower-case, the image
 * token and punctuation removed, whitespace collapsed. Two records with equal normalised text say the
 * same thing, whatever their image, spacing, case or punctuation.
 */
export function normalisedConversationText(record: ConversationRecord): string {
  return record.conversations
    .map((turn) =>
      turn.value
        .normalize('NFKC')
        .toLowerCase()
        .replaceAll(IMAGE_TOKEN, ' ')
        .replace(/[^\p{L}\p{N}\s]/gu, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .join('\n');
}

/**
 * Dataset-wide near-duplicate removal: the first record with a given normalised conversation text is
 * kept, later ones are dropped. Keeps a 20-byte digest per distinct text, so millions of records cost
 * tens of megabytes.
 */
export class NearDuplicateFilter {
  private readonly seen = new Set<string>();
  /** Records dropped so far. */
  removed = 0;

  /** True when the record repeats an earlier one (and counts it); false the first time (and remembers it). */
  isDuplicate(record: ConversationRecord): boolean {
    const key = createHash('sha1').update(normalisedConversationText(record)).digest('base64');
    if (this.seen.has(key)) {
      this.removed += 1;
      return true;
    }
    this.seen.add(key);
    return false;
  }
}

/** The records without near-duplicates, in order, and how many were removed. */
export function removeNearDuplicates<T extends ConversationRecord>(records: readonly T[]): { kept: T[]; removed: number } {
  const filter = new NearDuplicateFilter();
  const kept = records.filter((r) => !filter.isDuplicate(r));
  return { kept, removed: filter.removed };
}
