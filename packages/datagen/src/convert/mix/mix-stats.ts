/** Statistics of one source inside a mixture. */
export interface MixSourceStats {
  name: string;
  file: string;
  /** Records read from the file (valid or not). */
  read: number;
  /** Rows that were not valid LLaVA records (reported as issues). */
  invalid: number;
  /** Records dropped because an earlier record had the same image and questions. */
  duplicates: number;
  /** With near-duplicate removal: records dropped because an earlier record (any source) had the same normalised conversation text. */
  nearDuplicates?: number;
  /** Unique valid records the source offered. */
  available: number;
  /** Records of the source in the mixture (repeats included). */
  records: number;
  /** Human turns (question-answer rounds) in the mixture. */
  turns: number;
  /** Tokens of the formatted conversations, when a tokenizer was given. */
  tokens?: number;
  /** Of those, tokens trained (answers and stop strings). */
  trainedTokens?: number;
  /** Records with at least one image. */
  withImage: number;
  /** Share of the mixture's records. */
  share: number;
}

/** The statistics report of a mixture, written as JSON and Markdown beside it. */
export interface MixStats {
  output: string;
  seed: number | string;
  total?: number;
  /** Tokenizer and template the token counts were made with. */
  tokenizer?: string;
  records: number;
  turns: number;
  tokens?: number;
  trainedTokens?: number;
  duplicates: number;
  /** Near-duplicates removed (normalised text), when asked for. */
  nearDuplicates?: number;
  invalid: number;
  sources: MixSourceStats[];
}

const fmt = (n: number | undefined) => (n === undefined ? '–' : n.toLocaleString('en-US'));

/** A Markdown table of the mixture: one row per source and a total row. */
export function mixStatsMarkdown(stats: MixStats): string {
  const lines = [
    `# Mixture ${stats.output}`,
    '',
    `Seed ${JSON.stringify(stats.seed)}${stats.total !== undefined ? `, total ${fmt(stats.total)}` : ''}${stats.tokenizer ? `, tokens counted with ${stats.tokenizer}` : ', tokens not counted'}.` +
      (stats.nearDuplicates !== undefined ? ` Near-duplicates removed (normalised text, all sources): ${fmt(stats.nearDuplicates)}.` : ''),
    '',
    '| source | available | duplicates | invalid | records | share | turns | tokens | trained tokens | with image |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of stats.sources) {
    lines.push(
      `| ${s.name} | ${fmt(s.available)} | ${fmt(s.duplicates)} | ${fmt(s.invalid)} | ${fmt(s.records)} | ${(s.share * 100).toFixed(1)}% | ${fmt(s.turns)} | ${fmt(s.tokens)} | ${fmt(s.trainedTokens)} | ${fmt(s.withImage)} |`,
    );
  }
  const available = stats.sources.reduce((a, s) => a + s.available, 0);
  const withImage = stats.sources.reduce((a, s) => a + s.withImage, 0);
  lines.push(
    `| **total** | ${fmt(available)} | ${fmt(stats.duplicates)} | ${fmt(stats.invalid)} | ${fmt(stats.records)} | 100.0% | ${fmt(stats.turns)} | ${fmt(stats.tokens)} | ${fmt(stats.trainedTokens)} | ${fmt(withImage)} |`,
    '',
  );
  return lines.join('\n');
}
