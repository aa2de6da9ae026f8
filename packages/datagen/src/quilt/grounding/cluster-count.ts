/** Number of cursor clusters for a caption of `words` words: <=10 -> 1, 11-40 -> 2, 41-60 -> 3, >60 -> 4. */
export function clusterCountForWords(words: number): number {
  if (words <= 10) return 1;
  if (words <= 40) return 2;
  if (words <= 60) return 3;
  return 4;
}
