import { countWords } from '../transcript/utterance';

/** An utterance reduced to what the mapping needs: its text and its end time. */
export interface TimedText {
  text: string;
  start: number;
  end: number;
}

/** Clusters after mapping: `cluster` is the renumbered id, `label` the k-means label it came from. */
export interface UtteranceGroup {
  cluster: number;
  label: number;
  texts: string[];
  words: number;
}

/**
 * Assigns each utterance to the cluster whose mean time is nearest its end time (ties -> lowest
 * label), renumbers clusters by first appearance, then merges clusters of <= `minWords` words into a
 * neighbour while more than one cluster remains: the smallest first (ties -> lower id); the first
 * merges into the next, the last into the previous, others into the neighbour with more words
 * (ties -> next). The surviving cluster keeps its own label (and so its box).
 */
export function assignUtterances(
  utterances: readonly TimedText[],
  clusters: readonly { label: number; meanTime: number }[],
  minWords = 3,
): UtteranceGroup[] {
  if (clusters.length === 0 || utterances.length === 0) return [];
  const sorted = clusters.slice().sort((a, b) => a.label - b.label);
  const matched = utterances.map((u) => {
    let best = sorted[0]!;
    for (const c of sorted) if (Math.abs(c.meanTime - u.end) < Math.abs(best.meanTime - u.end)) best = c;
    return { text: u.text, label: best.label };
  });
  const renumber = new Map<number, number>();
  for (const m of matched) if (!renumber.has(m.label)) renumber.set(m.label, renumber.size);
  const byId = new Map<number, number>([...renumber].map(([label, id]) => [id, label]));
  const assignment = matched.map((m) => renumber.get(m.label)!);

  const wordCounts = (): Map<number, number> => {
    const counts = new Map<number, number>();
    assignment.forEach((id, i) => counts.set(id, (counts.get(id) ?? 0) + countWords(matched[i]!.text)));
    return new Map([...counts].sort((a, b) => a[0] - b[0]));
  };
  for (let counts = wordCounts(); counts.size > 1; counts = wordCounts()) {
    const small = [...counts].filter(([, words]) => words <= minWords);
    if (small.length === 0) break;
    const [smallest] = small.reduce((a, b) => (b[1] < a[1] ? b : a));
    const ids = [...counts.keys()];
    const at = ids.indexOf(smallest);
    let target: number;
    if (at === 0) target = ids[1]!;
    else if (at === ids.length - 1) target = ids[ids.length - 2]!;
    else {
      const prev = ids[at - 1]!;
      const next = ids[at + 1]!;
      target = counts.get(prev)! > counts.get(next)! ? prev : next;
    }
    for (let i = 0; i < assignment.length; i++) if (assignment[i] === smallest) assignment[i] = target;
  }

  const groups = new Map<number, UtteranceGroup>();
  assignment.forEach((id, i) => {
    const group = groups.get(id) ?? { cluster: id, label: byId.get(id)!, texts: [], words: 0 };
    group.texts.push(matched[i]!.text);
    group.words += countWords(matched[i]!.text);
    groups.set(id, group);
  });
  return [...groups.values()].sort((a, b) => a.cluster - b.cluster);
}
