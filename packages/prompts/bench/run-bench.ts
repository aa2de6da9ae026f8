// Throughput of the hot paths a data-generation run hits per sample, each next to a naive baseline
// measured in the same run: building teacher requests, rendering the symbolic image, parsing output.
import { createRng } from '@vlm/core';
import {
  assembleMessages,
  formatConversationText,
  llavaConversationPrompt,
  llavaDetailedDescriptionPrompt,
  parseQuestionAnswerBlocks,
  renderSymbolicImage,
  type QaPair,
} from '../src/index';

function measure(name: string, fn: () => unknown, minMs = 700): { name: string; opsPerSec: number; usPerOp: number } {
  for (let i = 0; i < 200; i++) fn();
  let iterations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < 100; i++) fn();
    iterations += 100;
    elapsed = performance.now() - start;
  }
  return { name, opsPerSec: (iterations / elapsed) * 1000, usPerOp: (elapsed * 1000) / iterations };
}

const rng = createRng('bench');
const objects = Array.from({ length: 20 }, (_, i) => {
  const x = rng.int(500);
  const y = rng.int(400);
  return { category: ['person', 'car', 'dog', 'chair', 'cup'][i % 5] as string, box: [x, y, 1 + rng.int(640 - x - 1), 1 + rng.int(480 - y - 1)] };
});
const image = {
  captions: ['A busy street with people and cars.', 'Pedestrians cross a road.', 'A dog walks beside its owner.', 'Chairs outside a cafe.', 'People drink coffee at tables.'],
  objects,
  boxFormat: 'coco' as const,
  imageSize: { width: 640, height: 480 },
};

function naiveRender(): string {
  // Baseline: what a quick script does: no validation, toFixed without Python's number format.
  const boxes = objects.map((o) => {
    const [x, y, w, h] = o.box as [number, number, number, number];
    return `${o.category}: [${[x / 640, y / 480, (x + w) / 640, (y + h) / 480].map((v) => v.toFixed(3)).join(', ')}]`;
  });
  return `${image.captions.join('\n')}\n\n${boxes.join('\n')}`;
}

const pairs: QaPair[] = Array.from({ length: 6 }, (_, i) => ({
  question: `What is happening in part ${i} of the scene?`,
  answer: `In this part of the scene, several people are walking along the sidewalk while cars wait at the light. A dog walks beside its owner. The cafe tables are busy with customers drinking coffee.`,
}));
const output = formatConversationText('question-answer-blocks', pairs);

function naiveParse(): QaPair[] {
  // Baseline: upstream-style split on `===` with no structure checks and no leakage filter.
  const blocks = output.split('===').map((b) => b.trim());
  const result: QaPair[] = [];
  for (let i = 0; i + 1 < blocks.length; i += 2) {
    result.push({ question: (blocks[i] as string).replace(/^Question:\s*/, ''), answer: (blocks[i + 1] as string).replace(/^Answer:\s*/, '') });
  }
  return result;
}

const preRendered = llavaConversationPrompt.examples;
const query = renderSymbolicImage(image, { includeBoxes: false });

const rows = [
  measure('render symbolic image (20 COCO boxes, validated)', () => renderSymbolicImage(image)),
  measure('  baseline: naive toFixed render, no validation', naiveRender),
  measure('build llava/conversation request (validate + 2 few-shot)', () => llavaConversationPrompt.build(image)),
  measure('build llava/detailed-description request', () => llavaDetailedDescriptionPrompt.build(image)),
  measure('  baseline: assembleMessages on pre-rendered strings', () => assembleMessages('system', preRendered, query)),
  measure('parse 6 Q/A blocks + leakage filter', () => parseQuestionAnswerBlocks(output)),
  measure('parse 6 Q/A blocks, filter off', () => parseQuestionAnswerBlocks(output, { filterLeakage: false })),
  measure('  baseline: naive split on ===', naiveParse),
];

console.log(`@vlm/prompts bench, node ${process.version}`);
console.log('| case | ops/s | µs/op |\n|---|---:|---:|');
for (const r of rows) console.log(`| ${r.name} | ${Math.round(r.opsPerSec).toLocaleString('en-US')} | ${r.usPerOp.toFixed(2)} |`);
