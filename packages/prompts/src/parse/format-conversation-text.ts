import type { ConversationFormat, QaPair } from './qa-pair';

/**
 * Writes pairs the way a teacher is asked to write them, so shipped few-shot responses and the parsers
 * agree by construction (the round-trip tests hold them to it).
 */
export function formatConversationText(format: ConversationFormat, pairs: readonly QaPair[]): string {
  switch (format) {
    case 'question-answer-blocks':
      return pairs.map((p) => `Question:\n${p.question}\n===\nAnswer:\n${p.answer}`).join('\n===\n');
    case 'user-assistant':
      return pairs.map((p) => `User: ${p.question}\nAssistant: ${p.answer}`).join('\n');
    case 'quilt-user-gpt':
      return pairs.map((p) => `User:[${p.question}]\nGPT:[${p.answer}]`).join('\n');
  }
}
