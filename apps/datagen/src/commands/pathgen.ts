// `vlm-datagen pathgen`: retrieve, describe, revise and summarise pathology patches.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';

import { VlmError } from '@vlm/core';
import { defineCommand } from '@vlm/core/node';
import { engineTeacherChat, loadClipTokenizer, openAiEmbedder, runPathgenPipeline, type SlideInput } from '@vlm/datagen';

import { numberFlag, teacherFlags, teacherFromFlags, teacherUsage } from './teacher-flags';

const usage = [
  'usage: vlm-datagen pathgen --slides <dir|file> --prompts <prompts.txt> --tokenizer <tokenizer.json> --out-dir <dir> --model <vision model> [options]',
  '',
  '  --slides <dir|file>        slide images (TIFF, PNG, JPEG, ...); a folder takes every image in it',
  '  --prompts <file>           one retrieval prompt per line (type prompts; ranked by max)',
  '  --tokenizer <file>         a CLIP tokenizer.json (e.g. openai/clip-vit-large-patch14-336)',
  '  --embedding-model <name>   model of the OpenAI-compatible embeddings endpoint (default clip)',
  '  --embedding-base-url <url> embeddings endpoint (default: --base-url)',
  '  --writer-model <name>      text model for revision and summaries (default: --model)',
  '  --patch-size 672 --stride 672 --min-tissue 0.5 --clusters 8 --cap 256 --token-budget 77 (CLIP tokens, start/end included) --seed <n> --no-revise',
  '',
  teacherUsage,
].join('\n');

const IMAGE = /\.(tiff?|png|jpe?g|webp|svs)$/i;

async function listSlides(path: string): Promise<SlideInput[]> {
  const info = await stat(path).catch((error: unknown) => {
    throw new VlmError('slides_unreadable', `cannot read ${path}: ${(error as Error).message}`, { location: { file: path } });
  });
  const files = info.isDirectory() ? (await readdir(path)).filter((f) => IMAGE.test(f)).sort().map((f) => join(path, f)) : [path];
  if (files.length === 0) throw new VlmError('slides_empty', 'no slide images found', { location: { file: path } });
  return files.map((file) => ({ id: basename(file, extname(file)).replace(/[^\w.-]+/g, '_'), path: file }));
}

export const pathgenCommand = defineCommand(
  {
    summary: 'PathGen: retrieve, describe, revise and summarise pathology patches',
    usage,
    options: {
      ...teacherFlags,
      slides: { type: 'string' },
      prompts: { type: 'string' },
      tokenizer: { type: 'string' },
      'out-dir': { type: 'string' },
      'embedding-model': { type: 'string' },
      'embedding-base-url': { type: 'string' },
      'writer-model': { type: 'string' },
      'patch-size': { type: 'string' },
      stride: { type: 'string' },
      'min-tissue': { type: 'string' },
      clusters: { type: 'string' },
      cap: { type: 'string' },
      'token-budget': { type: 'string' },
      seed: { type: 'string' },
      'no-revise': { type: 'boolean' },
    },
  },
  async ({ values }) => {
    for (const name of ['slides', 'prompts', 'tokenizer', 'out-dir'] as const) {
      if (!values[name]) throw new VlmError('missing_option', `pathgen needs --${name}`, { location: { field: name }, hint: usage });
    }
    const outDir = values['out-dir']!;
    const slides = await listSlides(values.slides!);
    const prompts = (await readFile(values.prompts!, 'utf8')).split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    if (prompts.length === 0) throw new VlmError('prompts_empty', 'the prompts file has no lines', { location: { file: values.prompts } });
    const tokenizer = await loadClipTokenizer(values.tokenizer!);
    const describer = teacherFromFlags(values, outDir);
    const writer = values['writer-model'] ? teacherFromFlags({ ...values, model: values['writer-model'] }, outDir) : undefined;
    try {
      const patchSize = numberFlag(values, 'patch-size', { integer: true, min: 16 });
      const result = await runPathgenPipeline(slides, {
        outDir,
        embedder: openAiEmbedder({ model: values['embedding-model'] ?? 'clip', baseURL: values['embedding-base-url'] ?? values['base-url'], apiKey: values['api-key'] }),
        describer: engineTeacherChat(describer),
        writer: writer ? engineTeacherChat(writer) : undefined,
        tokenizer,
        prompts,
        seed: numberFlag(values, 'seed', { integer: true }),
        tiling: { patchSize, stride: numberFlag(values, 'stride', { integer: true, min: 1 }), minTissue: numberFlag(values, 'min-tissue', { min: 0 }) },
        clusters: numberFlag(values, 'clusters', { integer: true, min: 1 }),
        cap: numberFlag(values, 'cap', { integer: true, min: 1 }),
        budget: numberFlag(values, 'token-budget', { integer: true, min: 3 }),
        revise: values['no-revise'] !== true,
        onProgress: (p) => console.error(`${p.stage} ${p.done}/${p.total}`),
      });
      const truncated = result.pairs.filter((p) => p.truncated).length;
      console.log(`${slides.length} slide(s) -> ${result.selected.length} patches -> ${result.pairs.length} image-text pairs (${truncated} truncated to the token budget)`);
      if (result.failures.length > 0) console.log(`${result.failures.length} patch(es) skipped (unusable description; rerun to retry): ${result.failures.map((f) => f.id).join(', ')}`);
      console.log(`pairs: ${result.files.pairs}\ninstructions: ${result.files.instructions} (${result.instructions.length})\nrevision pairs: ${result.files.revisions} (${result.revisionPairs.length})`);
      return 0;
    } finally {
      await describer.close();
      await writer?.close();
    }
  },
);
