import { type LlavaRecord, type TokenizerJson, formatConversation, trainBpeTokenizer } from '@vlm/core';
import { withSystemMessage } from '@vlm/train';

/** One formatting pass the demo trains on: records, their template and system message. */
export interface TokenizerCorpusPart {
  records: readonly LlavaRecord[];
  template: string;
  systemMessage?: string;
}

/**
 * The texts a tokenizer for the demo LM is learned from: the LM pretraining lines and every training
 * record formatted with the template it is trained with (role tags and system message included), cut
 * at `<image>` the way the tokenizer will meet them.
 */
export function tokenizerCorpus(lines: Iterable<string>, parts: readonly TokenizerCorpusPart[]): string[] {
  const out = [...lines];
  for (const part of parts) {
    for (const record of part.records) {
      const { text } = formatConversation(withSystemMessage(record, part.systemMessage), { template: part.template });
      out.push(...text.split('<image>').filter((t) => t.length > 0));
    }
  }
  return out;
}

/**
 * Learns the demo LM's own BPE vocabulary from its corpus (as a from-scratch LM would), as the content
 * of a `tokenizer.json`; every checkpoint copies the file so `vlm-train chat` finds it.
 */
export function demoTokenizerJson(corpus: readonly string[], vocabSize: number): TokenizerJson {
  return trainBpeTokenizer(corpus, { vocabSize });
}
