/** Dataset-wide near-duplicate removal by normalised conversation text (`generate --dedupe`, `mix --dedupe-text`). */
export { NearDuplicateFilter, normalisedConversationText, removeNearDuplicates } from './near-duplicates';
