// Run from packages/prompts: node --conditions=@vlm/source --import tsx examples/quick-start.ts
import { createRng } from '@vlm/core';
import {
  detailedDescriptionQuestions,
  llavaConversationPrompt,
  llavaDetailedDescriptionPrompt,
  parseDescription,
  parseQuestionAnswerBlocks,
  renderSymbolicImage,
  sampleQuestion,
  toLlavaConversation,
  descriptionToLlavaConversation,
} from '@vlm/prompts';

const rng = createRng(2024);

// 1. The symbolic image: captions + COCO boxes ([x, y, w, h] in pixels) of a 640x480 image.
const image = {
  captions: ['A man rides a bicycle past a parked truck.', 'A cyclist on a city street next to a white truck.'],
  objects: [
    { category: 'person', box: [362.24, 320.16, 40.96, 30.72] },
    { category: 'truck', box: [612.48, 252.48, 27.52, 108.48] },
  ],
  boxFormat: 'coco' as const,
  imageSize: { width: 640, height: 480 },
};
console.log(renderSymbolicImage(image));

// 2. A teacher request: OpenAI chat messages plus the prompt id/version to record with the data.
const request = llavaConversationPrompt.build(image);
console.log(request.promptId, request.promptVersion, request.messages.map((m) => m.role).join(' > '));
// Send it with any OpenAI-compatible client:
//   await openai.chat.completions.create({ model, messages: request.messages, temperature: request.temperature })

// 3. Parse what the teacher wrote; leaky turns are dropped or stripped, with the reason recorded.
const teacherOutput = `Question:
What is the man riding?
===
Answer:
He is riding a bicycle along the street.
===
Question:
What does the caption say about the truck?
===
Answer:
It says the truck is white.`;
const parsed = parseQuestionAnswerBlocks(teacherOutput);
if (parsed.ok) {
  console.log('dropped:', parsed.dropped.map((d) => `${d.reason} (${d.match})`));
  console.log(JSON.stringify(toLlavaConversation(parsed.value, { rng }), null, 1));
} else {
  console.log('rejected:', parsed.reason, parsed.message);
}

// 4. Descriptions pair with a sampled instruction.
const detail = llavaDetailedDescriptionPrompt.build(image);
console.log(detail.messages.at(-1)?.content);
const description = parseDescription('A man rides his bicycle past a white truck parked at the right edge of a city street.');
if (description.ok) console.log(descriptionToLlavaConversation(sampleQuestion(detailedDescriptionQuestions, rng), description.value, { rng }));
