// `vlm-datagen generate <job>`: teacher-driven (llava, llava-med) or offline (symbolic, scenes) data generation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { VlmError } from '@vlm/core';
import { defineCommand } from '@vlm/core/node';
import {
  createTeacherJob,
  estimateCost,
  generationFiles,
  loadCocoAnnotations,
  runGeneration,
  symbolicSceneFromCoco,
  symbolicSceneFromScene,
  symbolicTeacher,
  writeJsonAtomic,
  writeSceneDataset,
  type CaptionedScene,
  type SymbolicKind,
} from '@vlm/datagen';

import { finishGeneration, jobFlags, jobSpecFromFlags, jobUsage, numberFlag, progressPrinter, teacherFlags, teacherFromFlags, teacherUsage } from './teacher-flags';

const usage = [
  'usage: vlm-datagen generate <llava|llava-med|symbolic|scenes> --out-dir <dir> [options]',
  '',
  jobUsage,
  '  symbolic   --scenes <scenes.json> | --captions/--instances (rule-based, offline) [--symbolic-kinds conversation,detail,reasoning]',
  '  scenes     --count <n> [--size 128] [--min-objects 1] [--max-objects 4] (synthetic images + captions + boxes)',
  '',
  'output: --out-dir <dir> (samples.jsonl, rejects.jsonl, failures.jsonl, cache/); --out <file.json> (default <out-dir>/<job>.json)',
  '        --dry-run: count tokens and estimate the cost, send nothing',
  '        --dedupe: drop near-duplicate records dataset-wide (same normalised conversation text, any image)',
  '',
  teacherUsage,
].join('\n');

export const generateCommand = defineCommand(
  {
    summary: 'generate instruction data: llava, llava-med (teacher), symbolic, scenes (offline)',
    usage,
    options: {
      ...jobFlags,
      ...teacherFlags,
      'out-dir': { type: 'string' },
      out: { type: 'string' },
      'dry-run': { type: 'boolean' },
      dedupe: { type: 'boolean' },
      scenes: { type: 'string' },
      'symbolic-kinds': { type: 'string' },
      count: { type: 'string' },
      size: { type: 'string' },
      'min-objects': { type: 'string' },
      'max-objects': { type: 'string' },
    },
    positionals: { min: 1, name: 'the job (llava, llava-med, symbolic or scenes)' },
  },
  async ({ values, positionals }) => {
    const job = positionals[0]!;
    const outDir = values['out-dir'];
    if (!outDir) throw new VlmError('missing_option', 'generate needs --out-dir <dir>.', { location: { field: 'out-dir' }, hint: usage });
    const outFile = values.out ?? join(outDir, `${job}.json`);
    const seed = numberFlag(values, 'seed', { integer: true });

    if (job === 'scenes') {
      const count = numberFlag(values, 'count', { integer: true, min: 1 });
      if (count === undefined) throw new VlmError('missing_option', 'generate scenes needs --count <n>.', { location: { field: 'count' } });
      const scenes = await writeSceneDataset(outDir, {
        count,
        seed,
        size: numberFlag(values, 'size', { integer: true, min: 16 }),
        minObjects: numberFlag(values, 'min-objects', { integer: true, min: 0 }),
        maxObjects: numberFlag(values, 'max-objects', { integer: true, min: 1 }),
      });
      console.log(`wrote ${scenes.length} scenes to ${outDir} (images/, scenes.json, instances.json, captions.json)`);
      return 0;
    }

    if (job === 'symbolic') {
      let scenes;
      if (values.scenes) scenes = (JSON.parse(readFileSync(values.scenes, 'utf8')) as CaptionedScene[]).map(symbolicSceneFromScene);
      else if (values.captions) scenes = loadCocoAnnotations(values.instances, values.captions).map(symbolicSceneFromCoco);
      else throw new VlmError('missing_option', 'generate symbolic needs --scenes <scenes.json> or --captions (+ --instances).', { location: { field: 'scenes' } });
      const kinds = values['symbolic-kinds']?.split(',').map((k) => k.trim()) as SymbolicKind[] | undefined;
      const vocabulary = [...new Set(scenes.flatMap((s) => s.objects.map((o) => o.category)))];
      const records = symbolicTeacher(scenes.slice(0, numberFlag(values, 'limit', { integer: true, min: 1 })), { seed, kinds, vocabulary: vocabulary.length > 0 ? vocabulary : undefined });
      writeJsonAtomic(outFile, records);
      console.log(`symbolic teacher: ${records.length} records from ${scenes.length} scenes -> ${outFile}`);
      return 0;
    }

    const teacherJob = createTeacherJob(jobSpecFromFlags(job, values));
    const teacher = teacherFromFlags(values, outDir);
    try {
      if (values['dry-run']) {
        const estimate = await estimateCost(teacher, teacherJob.tasks());
        console.log(
          [
            `dry run: ${teacherJob.name} with ${teacher.model} at ${teacher.baseURL}`,
            `requests: ${estimate.requests} (${estimate.cached} cached, ${estimate.toSend} to send)`,
            `prompt tokens: ${estimate.promptTokens} (counted with the model's tokenizer)`,
            `completion tokens: <= ${estimate.completionTokens} (max_tokens per request)`,
            estimate.price
              ? `estimated cost: <= $${estimate.costUsd.toFixed(4)} (at $${estimate.price.inputPerMillion}/$${estimate.price.outputPerMillion} per million tokens; Batch API: half)`
              : 'estimated cost: unknown price for this model; pass --price-in and --price-out',
          ].join('\n'),
        );
        return 0;
      }
      const progress = progressPrinter();
      // Workers default to twice the teacher's --concurrency, so every request slot stays busy.
      const result = await runGeneration({ teacher, tasks: teacherJob.tasks(), total: teacherJob.total, outDir, accept: teacherJob.accept, onProgress: progress.update });
      progress.done();
      return finishGeneration(result, generationFiles(outDir).samples, outFile, { dedupe: values.dedupe === true });
    } finally {
      await teacher.close();
    }
  },
);
