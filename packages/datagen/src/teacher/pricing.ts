import type { ModelPrice, TeacherUsage } from './types';

/**
 * List prices (USD per million tokens, standard tier) of common teacher models, as published by OpenAI
 * in 2025. Prices change: pass `price` to `createTeacher` (or `--price-in/--price-out`) for yours.
 * The Batch API bills half of these.
 */
export const knownModelPrices: Readonly<Record<string, ModelPrice>> = {
  'gpt-4o': { inputPerMillion: 2.5, outputPerMillion: 10 },
  'gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6 },
  'gpt-4.1': { inputPerMillion: 2, outputPerMillion: 8 },
  'gpt-4.1-mini': { inputPerMillion: 0.4, outputPerMillion: 1.6 },
  'gpt-4.1-nano': { inputPerMillion: 0.1, outputPerMillion: 0.4 },
  'gpt-4-turbo': { inputPerMillion: 10, outputPerMillion: 30 },
  'gpt-4': { inputPerMillion: 30, outputPerMillion: 60 },
  'gpt-3.5-turbo': { inputPerMillion: 0.5, outputPerMillion: 1.5 },
};

/** The price of a model: an exact match, else the longest known prefix (`gpt-4o-2024-08-06` -> `gpt-4o`). */
export function priceOfModel(model: string): ModelPrice | undefined {
  if (knownModelPrices[model]) return knownModelPrices[model];
  const prefix = Object.keys(knownModelPrices)
    .filter((name) => model.startsWith(`${name}-`))
    .sort((a, b) => b.length - a.length)[0];
  return prefix ? knownModelPrices[prefix] : undefined;
}

/** USD cost of some usage at a price (0 without a price); `discount` 0.5 for the Batch API. */
export function costOf(usage: TeacherUsage, price: ModelPrice | undefined, discount = 1): number {
  if (!price) return 0;
  return ((usage.promptTokens * price.inputPerMillion + usage.completionTokens * price.outputPerMillion) / 1e6) * discount;
}
