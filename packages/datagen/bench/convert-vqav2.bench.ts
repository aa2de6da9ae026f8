// Converter throughput and peak memory on a generated VQAv2-shaped pair of files (200,000 questions,
// ten answers each). Each variant runs in a fresh process so its peak RSS is its own. The baseline is
// the usual script: JSON.parse both files whole, build every record, JSON.stringify the output.
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const QUESTIONS = Number(process.env.VLM_BENCH_QUESTIONS ?? 200_000);
const WORDS = ['what', 'color', 'is', 'the', 'man', 'holding', 'how', 'many', 'people', 'are', 'there', 'in', 'picture', 'sky', 'dog'];
const ANSWERS = ['yes', 'no', '2', 'red', 'white', 'frisbee', 'tennis', 'blue', 'none', 'kitchen'];

async function writeStreamed(file: string, parts: Iterable<string>): Promise<void> {
  const out = createWriteStream(file);
  for (const part of parts) if (!out.write(part)) await once(out, 'drain');
  out.end();
  await once(out, 'close');
}

function* questionsFile(n: number): Iterable<string> {
  yield '{"info": {"description": "generated VQAv2-shaped benchmark file"}, "task_type": "Open-Ended", "data_type": "mscoco", "data_subtype": "train2014", "questions": [\n';
  for (let k = 0; k < n; k++) {
    const imageId = 100_000 + Math.floor(k / 4); // ~4 questions per image, as in VQAv2 (5.4 on average)
    const words = Array.from({ length: 5 + (k % 5) }, (_, j) => WORDS[(k * 7 + j * 3) % WORDS.length]);
    yield `${k ? ',\n' : ''}{"image_id": ${imageId}, "question": "${words.join(' ')}?", "question_id": ${imageId * 1000 + (k % 4)}}`;
  }
  yield '\n]}\n';
}

function* annotationsFile(n: number): Iterable<string> {
  yield '{"info": {"description": "generated"}, "data_subtype": "train2014", "annotations": [\n';
  for (let k = 0; k < n; k++) {
    const imageId = 100_000 + Math.floor(k / 4);
    const answers = Array.from({ length: 10 }, (_, j) => `{"answer": "${ANSWERS[(k + (j % 3)) % ANSWERS.length]}", "answer_confidence": "yes", "answer_id": ${j + 1}}`);
    yield `${k ? ',\n' : ''}{"question_type": "what", "multiple_choice_answer": "${ANSWERS[k % ANSWERS.length]}", "answers": [${answers.join(', ')}], "image_id": ${imageId}, "answer_type": "other", "question_id": ${imageId * 1000 + (k % 4)}}`;
  }
  yield '\n]}\n';
}

interface VariantResult {
  variant: string;
  seconds: number;
  /** User + system CPU time of the conversion: steadier than wall time on a shared machine. */
  cpuSeconds: number;
  records: number;
  questions: number;
  peakRssMb: number;
}

async function runVariant(variant: string, dir: string): Promise<VariantResult> {
  const questions = join(dir, 'v2_OpenEnded_mscoco_train2014_questions.json');
  const annotations = join(dir, 'v2_mscoco_train2014_annotations.json');
  const out = join(dir, `${variant}.json`);
  // Load the code before the clock starts: the figure is conversion, not module compilation.
  const { convertDataset } = await import('../src/convert/index');
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let records = 0;
  if (variant === 'code-loaded-only') {
    // The floor: Node, the TypeScript loader and the converter code, doing nothing.
  } else if (variant === 'baseline-parse-whole') {
    const q = JSON.parse(await readFile(questions, 'utf8')) as { questions: { image_id: number; question: string; question_id: number }[] };
    const a = JSON.parse(await readFile(annotations, 'utf8')) as { annotations: { question_id: number; multiple_choice_answer: string }[] };
    const answer = new Map(a.annotations.map((x) => [x.question_id, x.multiple_choice_answer]));
    const all = q.questions.map((x) => ({
      id: String(x.question_id),
      image: `train2014/COCO_train2014_${String(x.image_id).padStart(12, '0')}.jpg`,
      conversations: [
        { from: 'human', value: `<image>\n${x.question}\nAnswer the question using a single word or phrase.` },
        { from: 'gpt', value: answer.get(x.question_id) ?? '' },
      ],
    }));
    await writeFile(out, JSON.stringify(all));
    records = all.length;
  } else {
    const report = await convertDataset('vqav2', { questions, annotations }, out, { merge: variant === 'streaming-merged', seed: 0 });
    records = report.records;
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  return { variant, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, records, questions: QUESTIONS, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

async function main(): Promise<void> {
  const variantArg = process.argv.indexOf('--variant');
  if (variantArg > 0) {
    const result = await runVariant(process.argv[variantArg + 1]!, process.argv[variantArg + 3]!);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'vlm-bench-vqav2-'));
  try {
    const t0 = performance.now();
    await writeStreamed(join(dir, 'v2_OpenEnded_mscoco_train2014_questions.json'), questionsFile(QUESTIONS));
    await writeStreamed(join(dir, 'v2_mscoco_train2014_annotations.json'), annotationsFile(QUESTIONS));
    const qSize = (await stat(join(dir, 'v2_OpenEnded_mscoco_train2014_questions.json'))).size / 2 ** 20;
    const aSize = (await stat(join(dir, 'v2_mscoco_train2014_annotations.json'))).size / 2 ** 20;
    console.log(`generated ${QUESTIONS.toLocaleString('en-US')} questions: questions ${qSize.toFixed(1)} MiB, annotations ${aSize.toFixed(1)} MiB (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    console.log('');
    console.log('| variant | wall time (s) | questions/s (wall) | CPU time (s) | questions/s (CPU) | records written | peak RSS (MiB) |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const variant of ['code-loaded-only', 'streaming-single-turn', 'streaming-merged', 'baseline-parse-whole']) {
      const child = spawnSync(process.execPath, ['--conditions=@vlm/source', '--import', 'tsx', fileURLToPath(import.meta.url), '--variant', variant, '--dir', dir], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      });
      if (child.status !== 0) throw new Error(`${variant} failed: ${child.stderr}`);
      const r = JSON.parse(child.stdout.trim().split('\n').pop()!) as VariantResult;
      const idle = r.variant === 'code-loaded-only';
      const rate = idle ? '–' : Math.round(r.questions / r.seconds).toLocaleString('en-US');
      const cpuRate = idle ? '–' : Math.round(r.questions / r.cpuSeconds).toLocaleString('en-US');
      console.log(`| ${r.variant} | ${idle ? '–' : r.seconds.toFixed(2)} | ${rate} | ${idle ? '–' : r.cpuSeconds.toFixed(2)} | ${cpuRate} | ${r.records.toLocaleString('en-US')} | ${r.peakRssMb.toFixed(0)} |`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
