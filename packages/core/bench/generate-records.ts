// Generates LLaVA-Instruct-like records for benchmarks: 2 to 6 turns, questions of 6-20 words, answers
// of 15-160 words (some detailed descriptions longer), `<image>` before or after the first question.
import { createRng } from '../src/random/rng';
import type { LlavaRecord } from '../src/schema/llava-record';

const WORDS = (
  'the a an of in on with and is are there image shows person people man woman dog cat bus car street table ' +
  'tissue section stained hematoxylin eosin nuclei cells gland stroma lymphocytes tumor mitotic figures ' +
  'background foreground left right near next to large small red blue green white black wooden open ' +
  'sitting standing walking holding looking appears suggests likely because however also several two three ' +
  'which color what where why how many visible scene center corner surface light shadow building window sky ' +
  'carcinoma infiltrating pleomorphic eosinophilic cytoplasm architecture pattern features consistent diagnosis'
).split(' ');
const QUESTION_STARTS = ['What is', 'What are', 'How many', 'Where is', 'Why might', 'Can you describe', 'What color is', 'Is there'];

const SYLLABLES = 'ka ro mi tel an sor ve lin dus pra ge om ti nal cor e ba ius fen tra chi lo mer sy'.split(' ');
const RANKS = 50_000;
const wordCache = new Map<number, string>();

// A Zipf-distributed vocabulary (s = 1.07 over 50,000 ranks, like English text): the listed words are the
// most frequent ranks, the long tail is made of syllables, so a word cache sees realistic miss rates.
function wordOfRank(rank: number): string {
  if (rank < WORDS.length) return WORDS[rank]!;
  let w = wordCache.get(rank);
  if (w === undefined) {
    w = '';
    let x = rank * 2654435761;
    const n = 2 + (rank % 3);
    for (let k = 0; k < n; k++) {
      w += SYLLABLES[(x >>> 0) % SYLLABLES.length];
      x = Math.imul(x ^ (x >>> 13), 0x5bd1e995);
    }
    wordCache.set(rank, w);
  }
  return w;
}

const cumulative = (() => {
  const c = new Float64Array(RANKS);
  let sum = 0;
  for (let r = 0; r < RANKS; r++) c[r] = sum += 1 / Math.pow(r + 1, 1.07);
  return c.map((v) => v / sum);
})();

function zipfWord(rng: ReturnType<typeof createRng>): string {
  const u = rng.next();
  let lo = 0;
  let hi = RANKS - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! < u) lo = mid + 1;
    else hi = mid;
  }
  return wordOfRank(lo);
}

function sentence(rng: ReturnType<typeof createRng>, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(zipfWord(rng));
  const s = out.join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function paragraph(rng: ReturnType<typeof createRng>, words: number): string {
  const parts: string[] = [];
  let left = words;
  while (left > 0) {
    const n = Math.min(left, 8 + rng.int(14));
    parts.push(`${sentence(rng, n)}${rng.bool(0.85) ? '.' : ','}`);
    left -= n;
  }
  return parts.join(' ');
}

/** `count` records, deterministic for a seed. */
export function generateLlavaRecords(count: number, seed = 1): LlavaRecord[] {
  const rng = createRng(seed);
  const records: LlavaRecord[] = [];
  for (let i = 0; i < count; i++) {
    const rounds = 1 + rng.int(3);
    const conversations: LlavaRecord['conversations'] = [];
    for (let r = 0; r < rounds; r++) {
      let q = `${rng.pick(QUESTION_STARTS)} ${sentence(rng, 4 + rng.int(14)).toLowerCase()}?`;
      if (r === 0) q = rng.bool() ? `<image>\n${q}` : `${q}\n<image>`;
      const answerWords = rng.bool(0.2) ? 100 + rng.int(160) : 15 + rng.int(80);
      conversations.push({ from: 'human', value: q }, { from: 'gpt', value: paragraph(rng, answerWords) });
    }
    records.push({ id: String(100000000 + i).padStart(12, '0'), image: `${String(i % 500).padStart(5, '0')}/${i}.jpg`, conversations });
  }
  return records;
}
